namespace OpenIvs.Server.Streams;

/// <summary>
/// Where live channels are held when several nodes share one database: the node a publisher reached holds the
/// stream; the others relay its playback and pass actions on to it. One node alone answers "here or nowhere".
/// </summary>
public interface IStreamLocator
{
    /// <summary>
    /// The node holding a channel's live stream when it is another node; null when the channel is live here
    /// (see <see cref="IStreamHub.Find"/>) or offline everywhere.
    /// </summary>
    RemoteStream? FindRemote(string channelArn);

    /// <summary>Every live stream held by other nodes (GetStream/ListStreams answer for them on every node).</summary>
    IReadOnlyList<RemoteStream> RemoteStreams { get; }

    /// <summary>
    /// Viewers of the channel's live stream that the other live nodes serve, as they last reported them (the holder's
    /// own viewers when another node holds it, plus every other node's relayed viewers): what this node adds to its
    /// own viewers for the stream's count and for the per-channel viewer limit (docs/cluster.md says how stale).
    /// </summary>
    long ViewersElsewhere(string channelArn);
}

/// <summary>
/// A live stream held by another node, reached at that node's advertised HTTP(S) URL. <paramref name="Stream"/> is
/// its state as the holder last published it (health, start time, and viewers summed over every node serving it).
/// </summary>
public sealed record RemoteStream(string ChannelArn, string StreamId, string NodeId, Uri AdvertiseUrl, Protocol.Model.Stream Stream);

/// <summary>One node, no cluster: every live stream is held here.</summary>
public sealed class LocalStreamLocator : IStreamLocator
{
    public RemoteStream? FindRemote(string channelArn) => null;

    public IReadOnlyList<RemoteStream> RemoteStreams => [];

    public long ViewersElsewhere(string channelArn) => 0;
}
