namespace OpenIvs.Server.Streams;

/// <summary>
/// Where live channels are held when several nodes share one database: the node a publisher reached holds the
/// stream; the others relay its playback and pass actions on to it. One node alone answers "here or nowhere".
/// </summary>
public interface IStreamLocator
{
    /// <summary>This node's id (<c>--node-id</c>).</summary>
    string NodeId { get; }

    /// <summary>
    /// The node holding a channel's live stream when it is another node; null when the channel is live here
    /// (see <see cref="IStreamHub.Find"/>) or offline everywhere.
    /// </summary>
    RemoteStream? FindRemote(string channelArn);

    /// <summary>Every live stream held by other nodes (GetStream/ListStreams answer for them on every node).</summary>
    IReadOnlyList<RemoteStream> RemoteStreams { get; }
}

/// <summary>
/// A live stream held by another node, reached at that node's advertised HTTP(S) URL. <paramref name="Stream"/> is
/// its state as the holder last published it (health, start time, and viewers summed over every node serving it).
/// </summary>
public sealed record RemoteStream(string ChannelArn, string StreamId, string NodeId, Uri AdvertiseUrl, Protocol.Model.Stream Stream);

/// <summary>One node, no cluster: every live stream is held here.</summary>
public sealed class LocalStreamLocator(string nodeId) : IStreamLocator
{
    public string NodeId { get; } = nodeId;

    public RemoteStream? FindRemote(string channelArn) => null;

    public IReadOnlyList<RemoteStream> RemoteStreams => [];
}
