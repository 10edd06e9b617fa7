using System.Text;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The live side as the API sees it (<see cref="ILiveStreams"/>): live streams from the hub, sessions from
/// the session table, and the actions the API takes on a live stream.
/// </summary>
public sealed class LiveStreams(LiveStreamHub hub, StreamTables tables) : ILiveStreams
{
    public bool IsLive(string channelArn) => hub.Find(channelArn) is not null;

    public Protocol.Model.Stream? GetStream(string channelArn) => hub.Find(channelArn)?.ToApi();

    public IReadOnlyList<StreamSummary> ListStreams() => [.. hub.Live.OrderBy(s => s.StartTime).ThenBy(s => s.StreamId, StringComparer.Ordinal).Select(s => s.ToSummary())];

    /// <summary>Disconnects the publisher and returns once the end of its session is stored (Session Ended).</summary>
    public async ValueTask<bool> StopAsync(string channelArn, CancellationToken cancellationToken)
    {
        if (hub.Find(channelArn) is not { } stream)
        {
            return false;
        }

        stream.RequestEnd(StreamEndReason.Stopped);
        await stream.EndRecorded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask<bool> PutMetadataAsync(string channelArn, string metadata, CancellationToken cancellationToken)
    {
        if (hub.Find(channelArn) is not { } stream)
        {
            return ValueTask.FromResult(false);
        }

        stream.EnqueueMetadata(Encoding.UTF8.GetBytes(metadata));
        return ValueTask.FromResult(true);
    }

    public ValueTask<AdBreakInsertion> InsertAdBreakAsync(string channelArn, string adBreakId, TimeSpan duration, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InsertAdBreak(channelArn, adBreakId, duration));

    public AdBreakInsertion InsertAdBreak(string channelArn, string adBreakId, TimeSpan duration) =>
        hub.Find(channelArn) is not { } stream ? AdBreakInsertion.NotLive
        : stream.TryRequestAdBreak(adBreakId, duration) ? AdBreakInsertion.Inserted
        : AdBreakInsertion.InProgress;

    public ValueTask<IReadOnlyList<StreamSession>> ListSessionsAsync(string channelArn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ListSessions(channelArn));

    public IReadOnlyList<StreamSession> ListSessions(string channelArn) => [.. Sessions(channelArn).Select(s => s.ToApi())];

    /// <summary>What the channel's live stream held here ingests now (measured bitrates included); null when it is not live here.</summary>
    public IngestConfigurations? LiveIngest(string channelArn) =>
        hub.Find(channelArn) is { } stream && (stream.Video is not null || stream.Audio is not null) ? IngestSnapshot.Of(stream) : null;

    public IReadOnlyList<StreamSessionSummary> ListSessionSummaries(string channelArn) => [.. Sessions(channelArn).Select(s => s.ToSummary())];

    /// <summary>The channel's sessions, newest first (the order <see cref="ILiveStreams.ListSessionsAsync"/> promises).</summary>
    private IEnumerable<StreamSessionRecord> Sessions(string channelArn)
    {
        var live = hub.Find(channelArn);
        var sessions = tables.Sessions.Values
            .Where(s => s.ChannelArn == channelArn)
            .Select(s => live is not null && live.StreamId == s.StreamId ? WithLiveMeasurements(s, live) : s)
            .ToList();

        // A stream that went live a moment ago may not be stored yet: show it from the hub until it is.
        if (live is not null && !sessions.Exists(s => s.StreamId == live.StreamId))
        {
            sessions.Add(new StreamSessionRecord
            {
                StreamId = live.StreamId,
                ChannelArn = live.ChannelArn,
                StartTime = live.StartTime,
                Channel = live.Channel,
                IngestConfigurations = live.Video is null && live.Audio is null ? null : IngestSnapshot.Of(live),
                Events = [],
            });
        }

        return sessions.OrderByDescending(s => s.StartTime).ThenByDescending(s => s.StreamId, StringComparer.Ordinal);
    }

    private static StreamSessionRecord WithLiveMeasurements(StreamSessionRecord record, LiveStream stream) => stream.Video is null && stream.Audio is null
        ? record
        : record with { IngestConfigurations = IngestSnapshot.Of(stream) };
}
