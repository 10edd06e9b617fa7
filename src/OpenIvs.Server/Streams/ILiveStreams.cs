using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The live side as the API sees it: which channels are live, their stream state, and the actions the
/// API can take on a live stream. Implemented by the live-stream hub; <see cref="NoLiveStreams"/>
/// stands in where ingest is not running.
/// </summary>
public interface ILiveStreams
{
    bool IsLive(string channelArn);

    /// <summary>The live stream of a channel, or null when it is offline.</summary>
    Protocol.Model.Stream? GetStream(string channelArn);

    /// <summary>Every live stream, in the order they went live: by start time, then stream id (ordinal); ListStreams pages on it.</summary>
    IReadOnlyList<StreamSummary> ListStreams();

    /// <summary>Disconnects the publisher; false when the channel is not live.</summary>
    ValueTask<bool> StopAsync(string channelArn, CancellationToken cancellationToken);

    /// <summary>Inserts timed metadata into the live stream; false when the channel is not live.</summary>
    ValueTask<bool> PutMetadataAsync(string channelArn, string metadata, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an ad break of <paramref name="duration"/> in the live stream, from its next keyframe, with the given id.
    /// </summary>
    ValueTask<AdBreakInsertion> InsertAdBreakAsync(string channelArn, string adBreakId, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>
    /// Stream sessions of a channel, newest first: by start time, then stream id (ordinal), both descending; live and
    /// ended, within the retention period. ListStreamSessions pages on this order.
    /// </summary>
    ValueTask<IReadOnlyList<StreamSession>> ListSessionsAsync(string channelArn, CancellationToken cancellationToken);

    /// <summary>The same sessions in the same order, as ListStreamSessions summarizes them.</summary>
    IReadOnlyList<StreamSessionSummary> ListSessionSummaries(string channelArn);
}

/// <summary>No ingest: every channel is offline and has no sessions.</summary>
public sealed class NoLiveStreams : ILiveStreams
{
    public bool IsLive(string channelArn) => false;

    public Protocol.Model.Stream? GetStream(string channelArn) => null;

    public IReadOnlyList<StreamSummary> ListStreams() => [];

    public ValueTask<bool> StopAsync(string channelArn, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public ValueTask<bool> PutMetadataAsync(string channelArn, string metadata, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public ValueTask<AdBreakInsertion> InsertAdBreakAsync(string channelArn, string adBreakId, TimeSpan duration, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AdBreakInsertion.NotLive);

    public ValueTask<IReadOnlyList<StreamSession>> ListSessionsAsync(string channelArn, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<StreamSession>>([]);

    public IReadOnlyList<StreamSessionSummary> ListSessionSummaries(string channelArn) => [];
}
