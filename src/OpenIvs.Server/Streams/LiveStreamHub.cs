using System.Collections.Concurrent;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams.Lifecycle;

namespace OpenIvs.Server.Streams;

/// <summary>
/// Which channels are live, and the fan-out of each live stream's media to its readers. The hub only admits
/// publishers (stream key by index, one publisher per channel, the concurrent-broadcasts quota), passes
/// frames to readers and ends streams; each step is reported to <see cref="StreamLifecycle"/> as a fact,
/// and the session recorder and the monitor do the rest off the ingest path.
/// </summary>
public sealed partial class LiveStreamHub : IStreamHub
{
    private readonly IngestOptions _limits;
    private readonly QuotaOptions _quotas;
    private readonly ResourceTables _resources;
    private readonly StreamLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveStreamHub> _logger;
    private readonly ILiveSlots? _slots;
    private readonly ConcurrentDictionary<string, LiveStream> _live = new(StringComparer.Ordinal);
    private readonly Lock _admission = new();
    private ILiveStreamListener[] _listeners = [];

    public LiveStreamHub(
        IngestOptions limits, QuotaOptions quotas, ResourceTables resources, StreamLifecycle lifecycle, TimeProvider time, ILogger<LiveStreamHub> logger, ILiveSlots? slots = null)
    {
        _slots = slots;
        _limits = limits;
        _quotas = quotas;
        _resources = resources;
        _lifecycle = lifecycle;
        _time = time;
        _logger = logger;
    }

    public int LiveCount => _live.Count;

    public IReadOnlyCollection<LiveStream> Live => [.. _live.Values];

    public void AddListener(ILiveStreamListener listener)
    {
        lock (_admission)
        {
            _listeners = [.. _listeners, listener];
        }
    }

    public LiveStream? Find(string channelArn) => _live.TryGetValue(channelArn, out var stream) ? stream : null;

    public PublishResult TryBegin(string streamKey, IngestTransport transport, Action disconnect) => _slots is null
        ? Admit(streamKey, transport, disconnect, null, null)

        // In a cluster the slot is taken in the database; callers that cannot wait asynchronously block here.
        : TryBeginAsync(streamKey, transport, disconnect, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public ValueTask<PublishResult> TryBeginAsync(string streamKey, IngestTransport transport, Action disconnect, CancellationToken cancellationToken) =>
        _slots is null ? new(Admit(streamKey, transport, disconnect, null, null)) : TryBeginClusteredAsync(streamKey, transport, disconnect, cancellationToken);

    /// <summary>
    /// Cluster admission: the local checks first (no database trip for a bad key or a channel live here), then the
    /// channel's slot in the shared database (one publisher per channel and the quota, cluster-wide), then the hub.
    /// </summary>
    private async ValueTask<PublishResult> TryBeginClusteredAsync(string streamKey, IngestTransport transport, Action disconnect, CancellationToken cancellationToken)
    {
        if (Check(streamKey, transport, out var channel) is { } refused)
        {
            return refused;
        }

        if (_live.ContainsKey(channel!.Arn!))
        {
            return new PublishResult(null, PublishRefusal.AlreadyLive);
        }

        var streamId = ResourceIds.NewStreamId();
        var decision = await _slots!.TakeAsync(channel.Arn!, streamId, _quotas.ConcurrentStreams, cancellationToken).ConfigureAwait(false);
        if (decision.Refusal == PublishRefusal.ConcurrentBroadcastsQuota)
        {
            var breach = LimitBreach.ConcurrentBroadcasts(_quotas.ConcurrentStreams, decision.LiveCount + 1);
            _lifecycle.Report(new LimitBreached(null, breach, _time.GetUtcNow()));
            LogRefused(_logger, channel.Arn!, breach.Describe());
            return new PublishResult(null, decision.Refusal);
        }

        if (decision.Refusal != PublishRefusal.None)
        {
            LogRefused(_logger, channel.Arn!, decision.Refusal.ToString());
            return new PublishResult(null, decision.Refusal);
        }

        // The key may have moved on while the slot was taken (deleted, channel updated): admit with the channel as it is now.
        return Admit(streamKey, transport, disconnect, channel.Arn, streamId);
    }

    /// <summary>The refusals that need no state beyond this node's: an unknown key, plain RTMP to a channel without insecureIngest.</summary>
    private PublishResult? Check(string streamKey, IngestTransport transport, out Channel? channel)
    {
        channel = ChannelOf(streamKey);
        if (channel is null)
        {
            return new PublishResult(null, PublishRefusal.UnknownStreamKey);
        }

        return transport == IngestTransport.Rtmp && channel.InsecureIngest != true
            ? new PublishResult(null, PublishRefusal.InsecureIngestNotAllowed)
            : null;
    }

    private Channel? ChannelOf(string streamKey) =>
        _resources.StreamKeys.TryGetByUniqueKey(streamKey, out var key)
        && IvsArn.TryParse(key.Key.ChannelArn, out var arn)
        && _resources.Channels.TryGet(arn.Value.Id, out var channelRecord)
            ? channelRecord.Channel
            : null;

    /// <summary>
    /// Admits a publisher on this node. <paramref name="slotStreamId"/>: the stream id whose cluster slot (of
    /// <paramref name="slotChannelArn"/>) is already taken; null on a single node, where this node's count is the quota.
    /// </summary>
    private PublishResult Admit(string streamKey, IngestTransport transport, Action disconnect, string? slotChannelArn, string? slotStreamId)
    {
        if (Check(streamKey, transport, out var found) is { } refused)
        {
            ReleaseSlot(slotChannelArn, slotStreamId, refused.Refusal);
            return refused;
        }

        var channel = found!;
        if (slotChannelArn is not null && channel.Arn != slotChannelArn)
        {
            ReleaseSlot(slotChannelArn, slotStreamId, PublishRefusal.UnknownStreamKey); // the key moved while the slot was taken
            return new PublishResult(null, PublishRefusal.UnknownStreamKey);
        }

        LiveStream stream;
        lock (_admission)
        {
            if (_live.ContainsKey(channel.Arn!))
            {
                ReleaseSlot(slotChannelArn, slotStreamId, PublishRefusal.AlreadyLive);
                return new PublishResult(null, PublishRefusal.AlreadyLive);
            }

            var now = _time.GetUtcNow();
            if (slotStreamId is null && _live.Count >= _quotas.ConcurrentStreams)
            {
                var breach = LimitBreach.ConcurrentBroadcasts(_quotas.ConcurrentStreams, _live.Count + 1);
                _lifecycle.Report(new LimitBreached(null, breach, now));
                LogRefused(_logger, channel.Arn!, breach.Describe());
                return new PublishResult(null, PublishRefusal.ConcurrentBroadcastsQuota);
            }

            stream = new LiveStream(channel, slotStreamId ?? ResourceIds.NewStreamId(), now, transport, disconnect, _time);
            _lifecycle.Report(new BroadcastBegan(stream, RecordingConfigurationOf(channel), now));
            _live[channel.Arn!] = stream;

            // Listeners add their readers before any media can arrive (the publisher is not told yet).
            foreach (var listener in _listeners)
            {
                listener.OnBroadcastBegan(stream);
            }
        }

        LogBegan(_logger, channel.Arn!, stream.StreamId, transport.ToString().ToUpperInvariant());
        return new PublishResult(stream, PublishRefusal.None);
    }

    /// <summary>A slot taken for a stream that was refused after all (a local race): free it at once.</summary>
    private void ReleaseSlot(string? channelArn, string? streamId, PublishRefusal refusal)
    {
        if (streamId is not null && channelArn is not null)
        {
            LogRefused(_logger, channelArn, refusal.ToString());
            _slots!.Release(channelArn, streamId, Task.CompletedTask);
        }
    }

    public void SetEncoder(LiveStream stream, string? encoder)
    {
        if (!string.IsNullOrEmpty(encoder))
        {
            stream.Encoder = encoder;
        }
    }

    public void SetVideo(LiveStream stream, VideoTrackInfo video)
    {
        if (stream.Channel.ContainerFormat != ContainerFormat.FragmentedMp4 && video.Codec != VideoCodec.Avc)
        {
            // MPEG-TS output carries H.264 only; IVS takes HEVC and AV1 only on fragmented-MP4 channels.
            stream.RequestEnd(StreamEndReason.Refused(
                $"{video.Codec.ToString().ToUpperInvariant()} video needs a channel with containerFormat FRAGMENTED_MP4; this channel packages MPEG-TS, which carries H.264 only."));
            return;
        }

        stream.SetVideo(video);
        var limits = _limits;
        var pixels = (long)video.Width * video.Height;
        var edge = Math.Max(video.Width, video.Height);
        var breach = pixels > limits.MaxPixels ? LimitBreach.IngestResolutionPixels(limits.MaxPixels, pixels)
            : edge > limits.MaxEdge ? LimitBreach.IngestResolutionEdge(limits.MaxEdge, edge)
            : null;
        if (breach is not null)
        {
            _lifecycle.Report(new LimitBreached(stream, breach, _time.GetUtcNow()));
            if (limits.DisconnectOnLimitBreach)
            {
                stream.RequestEnd(StreamEndReason.LimitBreach(breach));
                return;
            }
        }

        _lifecycle.Report(new ConfigurationChanged(stream, _time.GetUtcNow()));
    }

    public void SetAudio(LiveStream stream, AudioTrackInfo audio)
    {
        stream.SetAudio(audio);
        _lifecycle.Report(new ConfigurationChanged(stream, _time.GetUtcNow()));
    }

    public void Publish(LiveStream stream, MediaFrame frame)
    {
        var startsStream = !stream.Started && frame.Kind == MediaKind.Video && frame.IsKeyframe;
        stream.Publish(frame);
        if (startsStream)
        {
            stream.Started = true;
            _lifecycle.Report(new StreamStarted(stream, _time.GetUtcNow()));
        }
    }

    /// <summary>The post-roll of the channel's ad configuration as it is now, when enabled.</summary>
    private PostRollConfiguration? PostRollOf(string channelArn) =>
        IvsArn.TryParse(channelArn, out var channelArnParts)
        && _resources.Channels.TryGet(channelArnParts.Value.Id, out var channel)
        && IvsArn.TryParse(channel.Channel.AdConfigurationArn, out var adArn)
        && _resources.AdConfigurations.TryGet(adArn.Value.Id, out var configuration)
        && configuration.Configuration.PostRollConfiguration is { Enabled: true } postRoll
            ? postRoll
            : null;

    public void End(LiveStream stream, StreamEndReason reason)
    {
        lock (stream)
        {
            if (stream.Ending)
            {
                return;
            }

            stream.Ending = true;
        }

        reason = stream.EndRequest ?? reason;
        try
        {
            _live.TryRemove(new KeyValuePair<string, LiveStream>(stream.ChannelArn, stream));
            var postRoll = PostRollOf(stream.ChannelArn);
            stream.EndAdBreaks(postRoll is null ? null : ResourceIds.NewAdBreakId(), TimeSpan.FromSeconds(postRoll?.DurationSeconds ?? 0));
            stream.CompleteReaders();
            _lifecycle.Report(new BroadcastEnded(stream, reason, _time.GetUtcNow()));
            _slots?.Release(stream.ChannelArn, stream.StreamId, stream.EndRecorded.Task);
            foreach (var listener in Volatile.Read(ref _listeners))
            {
                listener.OnBroadcastEnded(stream);
            }

            LogEnded(_logger, stream.ChannelArn, stream.StreamId, reason.Description);
        }
        finally
        {
            stream.Lifetime.Cancel();
            stream.Ended.TrySetResult();
        }
    }

    public LiveRendition? AddRendition(LiveStream stream, LadderRung rung)
    {
        var rendition = new LiveRendition(stream, rung);
        if (!stream.AddRendition(rendition))
        {
            return null;
        }

        foreach (var listener in Volatile.Read(ref _listeners))
        {
            listener.OnRenditionAdded(rendition);
        }

        return rendition;
    }

    public void Raise(LiveStream stream, IvsEvent e) => _lifecycle.Report(new EventRaised(stream, e));

    public void ReportLimitBreach(LimitBreach breach, LiveStream? stream) => _lifecycle.Report(new LimitBreached(stream, breach, _time.GetUtcNow()));

    /// <summary>Ends every live stream (the server is stopping): publishers are disconnected and each end is reported.</summary>
    public void EndAll(StreamEndReason reason)
    {
        foreach (var stream in _live.Values)
        {
            stream.RequestEnd(reason);
            End(stream, reason);
        }
    }

    private RecordingConfiguration? RecordingConfigurationOf(Channel channel) =>
        IvsArn.TryParse(channel.RecordingConfigurationArn, out var arn) && _resources.RecordingConfigurations.TryGet(arn.Value.Id, out var record)
            ? record.Configuration
            : null;

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Channel {ChannelArn} live: stream {StreamId} over {Transport}")]
    private static partial void LogBegan(ILogger logger, string channelArn, string streamId, string transport);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Channel {ChannelArn} stream {StreamId} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string channelArn, string streamId, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Publish to {ChannelArn} refused: {Refusal}")]
    private static partial void LogRefused(ILogger logger, string channelArn, string refusal);
}
