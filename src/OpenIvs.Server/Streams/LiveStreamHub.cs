using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Hosting;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The live side of the service: which channels are live, the life cycle of each broadcast (stream
/// session, IVS events, health, limits, quotas), and the fan-out of media to listeners' readers.
/// Protocol servers (RTMP, RTMPS) drive it through <see cref="BeginAsync"/>, the per-stream calls and
/// <see cref="EndAsync"/>; the API reads it through <see cref="ILiveStreams"/>.
/// </summary>
public sealed partial class LiveStreamHub : BackgroundService, ILiveStreams
{
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromMilliseconds(500);
    private readonly OpenIvsOptions _options;
    private readonly ResourceTables _resources;
    private readonly StreamTables _tables;
    private readonly DocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveStreamHub> _logger;
    private readonly ConcurrentDictionary<string, LiveStream> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _admission = new(1, 1);
    private ILiveStreamListener[] _listeners = [];

    public LiveStreamHub(OpenIvsOptions options, ResourceTables resources, StreamTables tables, DocumentStore store, TimeProvider time, ILogger<LiveStreamHub> logger)
    {
        _options = options;
        _resources = resources;
        _tables = tables;
        _store = store;
        _time = time;
        _logger = logger;
    }

    public int LiveCount => _live.Count;

    public void AddListener(ILiveStreamListener listener) => _listeners = [.. _listeners, listener];

    /// <summary>
    /// A publisher presents a stream key. Refused (and nothing recorded) for an unknown or deleted key
    /// and for plain RTMP to a channel without insecureIngest; refused while the channel is live; refused
    /// with a Concurrent Broadcasts limit event at the quota. Otherwise the session begins.
    /// </summary>
    public async Task<PublishResult> BeginAsync(string streamKeyValue, bool secureTransport, Func<ValueTask> disconnect, CancellationToken cancellationToken)
    {
        var key = _resources.StreamKeys.Values.FirstOrDefault(k => k.Key.Value == streamKeyValue);
        var channelId = key is null ? null : IvsArn.TryParse(key.Key.ChannelArn, out var arn) ? arn.Value.Id : null;
        if (channelId is null || !_resources.Channels.TryGet(channelId, out var channelRecord))
        {
            return new PublishResult(null, PublishRefusal.UnknownStreamKey);
        }

        var channel = channelRecord.Channel;
        if (!secureTransport && channel.InsecureIngest != true)
        {
            return new PublishResult(null, PublishRefusal.InsecureIngestNotAllowed);
        }

        await _admission.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_live.ContainsKey(channel.Arn!))
            {
                return new PublishResult(null, PublishRefusal.AlreadyLive);
            }

            var now = _time.GetUtcNow();
            if (_live.Count >= _options.Quotas.ConcurrentStreams)
            {
                var breach = IvsEvent.Limit("Concurrent Broadcasts", _options.Quotas.ConcurrentStreams, _live.Count + 1 - _options.Quotas.ConcurrentStreams,
                    "active streams", _options.Region, _options.AccountId, now);
                await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
                AddToOutbox(write, breach);
                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
                LogRefused(_logger, channel.Arn!, PublishRefusal.ConcurrentBroadcastsQuota);
                return new PublishResult(null, PublishRefusal.ConcurrentBroadcastsQuota);
            }

            var stream = new LiveStream(channel, ResourceIds.NewStreamId(), now, secureTransport, disconnect, _time);
            var recording = RecordingConfigurationOf(channel);
            await RecordAsync(stream, [StateEvent(stream, "Session Created", now)], cancellationToken, create: new StreamSessionRecord
            {
                StreamId = stream.StreamId,
                ChannelArn = stream.ChannelArn,
                StartTime = now,
                Channel = channel,
                RecordingConfiguration = recording,
                Events = [],
            }).ConfigureAwait(false);
            _live[channel.Arn!] = stream;
            foreach (var listener in _listeners)
            {
                listener.OnBroadcastBegan(stream);
            }

            LogBegan(_logger, channel.Arn!, stream.StreamId, secureTransport ? "RTMPS" : "RTMP");
            return new PublishResult(stream, PublishRefusal.None);
        }
        finally
        {
            _admission.Release();
        }
    }

    public void OnMetadata(LiveStream stream, string? encoder)
    {
        if (!string.IsNullOrEmpty(encoder))
        {
            stream.Encoder = encoder;
        }
    }

    /// <summary>A video configuration; a picture larger than the channel allows is a limit breach.</summary>
    public async ValueTask OnVideoConfigAsync(LiveStream stream, VideoTrackInfo video, CancellationToken cancellationToken)
    {
        stream.SetVideo(video);
        var limits = _options.Ingest;
        var pixels = (long)video.Width * video.Height;
        if (pixels > limits.MaxPixels || Math.Max(video.Width, video.Height) > limits.MaxEdge)
        {
            var byPixels = pixels > limits.MaxPixels;
            var breach = IvsEvent.Limit("Ingest Resolution", byPixels ? limits.MaxPixels : limits.MaxEdge,
                byPixels ? pixels - limits.MaxPixels : Math.Max(video.Width, video.Height) - limits.MaxEdge,
                byPixels ? "total pixels" : "pixels per edge", _options.Region, _options.AccountId, _time.GetUtcNow(), stream.ChannelArn, stream.Channel.Name, stream.StreamId);
            await RecordAsync(stream, [breach], cancellationToken).ConfigureAwait(false);
            if (limits.DisconnectOnLimitBreach)
            {
                await stream.DisconnectAsync().ConfigureAwait(false);
                return;
            }
        }

        await RecordIngestConfigurationAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask OnAudioConfigAsync(LiveStream stream, AudioTrackInfo audio, CancellationToken cancellationToken)
    {
        stream.SetAudio(audio);
        await RecordIngestConfigurationAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One frame from the publisher (the caller's reference is taken over). The first keyframe is Stream Start.</summary>
    public async ValueTask OnFrameAsync(LiveStream stream, MediaFrame frame, CancellationToken cancellationToken)
    {
        var startsStream = !stream.Started && frame.Kind == MediaKind.Video && frame.IsKeyframe;
        stream.Publish(frame);
        if (startsStream)
        {
            stream.Started = true;
            await RecordAsync(stream, [StateEvent(stream, "Stream Start", _time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The broadcast ended (publisher left, was stopped, timed out or broke a limit). Idempotent.</summary>
    public async Task EndAsync(LiveStream stream, string reason)
    {
        lock (stream)
        {
            if (stream.Ending)
            {
                return;
            }

            stream.Ending = true;
        }

        try
        {
            _live.TryRemove(new KeyValuePair<string, LiveStream>(stream.ChannelArn, stream));
            stream.CompleteReaders();
            var now = _time.GetUtcNow();
            var events = new List<IvsEvent>();
            if (stream.Started)
            {
                events.Add(StateEvent(stream, "Stream End", now));
            }

            events.Add(StateEvent(stream, "Session Ended", now));
            await RecordAsync(stream, events, CancellationToken.None, end: now).ConfigureAwait(false);
            foreach (var listener in _listeners)
            {
                listener.OnBroadcastEnded(stream);
            }

            LogEnded(_logger, stream.ChannelArn, stream.StreamId, reason);
        }
        finally
        {
            stream.Lifetime.Cancel();
            stream.Ended.TrySetResult();
        }
    }

    public LiveStream? Find(string channelArn) => _live.TryGetValue(channelArn, out var stream) ? stream : null;

    public IReadOnlyCollection<LiveStream> Live => [.. _live.Values];

    // ILiveStreams

    public bool IsLive(string channelArn) => _live.ContainsKey(channelArn);

    public Protocol.Model.Stream? GetStream(string channelArn) => Find(channelArn)?.ToApi();

    public IReadOnlyList<StreamSummary> ListStreams() => [.. _live.Values.OrderBy(s => s.StartTime).Select(s => s.ToSummary())];

    public async ValueTask<bool> StopAsync(string channelArn, CancellationToken cancellationToken)
    {
        if (Find(channelArn) is not { } stream)
        {
            return false;
        }

        await stream.DisconnectAsync().ConfigureAwait(false);
        await stream.Ended.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public ValueTask<bool> PutMetadataAsync(string channelArn, string metadata, CancellationToken cancellationToken)
    {
        if (Find(channelArn) is not { } stream)
        {
            return ValueTask.FromResult(false);
        }

        stream.EnqueueMetadata(Encoding.UTF8.GetBytes(metadata));
        return ValueTask.FromResult(true);
    }

    public IReadOnlyList<StreamSession> ListSessions(string channelArn)
    {
        var live = Find(channelArn);
        return [.. _tables.Sessions.Values
            .Where(s => s.ChannelArn == channelArn)
            .OrderByDescending(s => s.StartTime)
            .Select(s => (live is not null && live.StreamId == s.StreamId ? WithLiveMeasurements(s, live) : s).ToApi())];
    }

    /// <summary>Health, idle timeout, bitrate limits and the maximum stream duration, checked twice a second.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await MonitorLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task MonitorLoopAsync(CancellationToken stoppingToken)
    {
        await RecoverUnfinishedSessionsAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(MonitorInterval, _time);
        var lastPrune = _time.GetUtcNow();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var stream in _live.Values)
            {
                try
                {
                    await MonitorAsync(stream, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogMonitorFailed(_logger, e, stream.ChannelArn);
                }
            }

            if (_time.GetUtcNow() - lastPrune > TimeSpan.FromHours(1))
            {
                lastPrune = _time.GetUtcNow();
                await PruneSessionsAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task MonitorAsync(LiveStream stream, CancellationToken cancellationToken)
    {
        var limits = _options.Ingest;
        var idle = stream.Metrics.SinceLastMedia;
        if (idle >= limits.IdleTimeout || _time.GetUtcNow() - stream.StartTime >= limits.MaxStreamDuration)
        {
            await stream.DisconnectAsync().ConfigureAwait(false);
            return;
        }

        var starving = idle >= limits.StarvationThreshold;
        if (starving != (stream.Health == StreamHealth.Starving) && stream.Started)
        {
            stream.Health = starving ? StreamHealth.Starving : StreamHealth.Healthy;
            var name = starving ? "Starvation Start" : "Starvation End";
            await RecordAsync(stream, [IvsEvent.StreamHealth(name, _options.Region, _options.AccountId, stream.ChannelArn, stream.Channel.Name ?? string.Empty, stream.StreamId, _time.GetUtcNow())],
                cancellationToken).ConfigureAwait(false);
        }

        var limit = BitrateLimit(stream);
        var bitrate = stream.Metrics.TotalBitrate;
        if (stream.Metrics.CompleteSeconds >= 3 && bitrate > limit)
        {
            var breach = IvsEvent.Limit("Ingest Bitrate", limit, bitrate - limit, "bits per second", _options.Region, _options.AccountId,
                _time.GetUtcNow(), stream.ChannelArn, stream.Channel.Name, stream.StreamId);
            await RecordAsync(stream, [breach], cancellationToken).ConfigureAwait(false);
            if (limits.DisconnectOnLimitBreach)
            {
                await stream.DisconnectAsync().ConfigureAwait(false);
            }
        }
    }

    private long BitrateLimit(LiveStream stream)
    {
        var limits = _options.Ingest;
        if (stream.Channel.Type != ChannelType.Basic)
        {
            return limits.MaxBitrate;
        }

        return stream.Video is { Height: <= 480 } ? limits.BasicSdMaxBitrate : limits.BasicMaxBitrate;
    }

    private RecordingConfiguration? RecordingConfigurationOf(Channel channel) =>
        IvsArn.TryParse(channel.RecordingConfigurationArn, out var arn) && _resources.RecordingConfigurations.TryGet(arn.Value.Id, out var record)
            ? record.Configuration
            : null;

    private IvsEvent StateEvent(LiveStream stream, string name, DateTimeOffset time) =>
        IvsEvent.StreamState(name, _options.Region, _options.AccountId, stream.ChannelArn, stream.Channel.Name ?? string.Empty, stream.StreamId, time);

    private Task RecordIngestConfigurationAsync(LiveStream stream, CancellationToken cancellationToken) =>
        RecordAsync(stream, [], cancellationToken, ingest: IngestConfigurationOf(stream));

    private static IngestConfigurations IngestConfigurationOf(LiveStream stream)
    {
        var video = stream.Video;
        var audio = stream.Audio;
        return new IngestConfigurations
        {
            VideoConfigurations = video is null ? [] :
            [
                new VideoConfiguration
                {
                    Codec = video.CodecString,
                    Encoder = stream.Encoder ?? string.Empty,
                    TargetBitrate = stream.Metrics.VideoBitrate,
                    TargetFramerate = (long)Math.Round(video.FrameRate ?? stream.Metrics.FrameRate),
                    VideoWidth = video.Width,
                    VideoHeight = video.Height,
                    Profile = video.Profile,
                    Level = video.Level,
                    Track = "Track0",
                    AvcProfile = string.Empty,
                    AvcLevel = string.Empty,
                },
            ],
            AudioConfigurations = audio is null ? [] :
            [
                new AudioConfiguration
                {
                    Codec = audio.CodecString,
                    TargetBitrate = stream.Metrics.AudioBitrate,
                    SampleRate = audio.SampleRate,
                    Channels = audio.Channels,
                    Track = "Track0",
                },
            ],
        };
    }

    private static StreamSessionRecord WithLiveMeasurements(StreamSessionRecord record, LiveStream stream) => new()
    {
        StreamId = record.StreamId,
        ChannelArn = record.ChannelArn,
        StartTime = record.StartTime,
        EndTime = record.EndTime,
        Channel = record.Channel,
        RecordingConfiguration = record.RecordingConfiguration,
        IngestConfigurations = stream.Video is null && stream.Audio is null ? record.IngestConfigurations : IngestConfigurationOf(stream),
        Events = record.Events,
    };

    /// <summary>
    /// Appends events to the stream's session and to the outbox, and applies session changes, in one
    /// durable transaction.
    /// </summary>
    private async Task RecordAsync(
        LiveStream stream, IReadOnlyList<IvsEvent> events, CancellationToken cancellationToken,
        StreamSessionRecord? create = null, DateTimeOffset? end = null, IngestConfigurations? ingest = null)
    {
        await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var current = create ?? (_tables.Sessions.TryGet(stream.StreamId, out var existing) ? existing : null);
        if (current is null)
        {
            return;
        }

        var updated = new StreamSessionRecord
        {
            StreamId = current.StreamId,
            ChannelArn = current.ChannelArn,
            StartTime = current.StartTime,
            EndTime = end ?? current.EndTime,
            Channel = current.Channel,
            RecordingConfiguration = current.RecordingConfiguration,
            IngestConfigurations = end is not null && (stream.Video is not null || stream.Audio is not null) ? IngestConfigurationOf(stream) : ingest ?? current.IngestConfigurations,
            Events = [.. current.Events, .. events.Select(e => new StreamEvent { Name = e.Name, Type = e.DetailType, EventTime = e.Time, Code = e.Code })],
        };
        if (updated.Events.Count > 500)
        {
            updated.Events.RemoveRange(0, updated.Events.Count - 500);
        }

        write.Put(_tables.Sessions, updated.StreamId, updated);
        foreach (var e in events)
        {
            AddToOutbox(write, e);
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void AddToOutbox(DocumentWrite write, IvsEvent e) =>
        write.AppendEvent(e);

    /// <summary>Sessions left open by a crash are closed with Session Ended at start-up.</summary>
    private async Task RecoverUnfinishedSessionsAsync(CancellationToken cancellationToken)
    {
        foreach (var open in _tables.Sessions.Values.Where(s => s.EndTime is null).ToList())
        {
            var stream = new LiveStream(open.Channel, open.StreamId, open.StartTime, true, () => ValueTask.CompletedTask, _time);
            await RecordAsync(stream, [StateEvent(stream, "Session Ended", _time.GetUtcNow())], cancellationToken, end: _time.GetUtcNow()).ConfigureAwait(false);
        }
    }

    private async Task PruneSessionsAsync(CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - _options.Ingest.SessionRetention;
        var expired = _tables.Sessions.Values.Where(s => s.EndTime < cutoff).Select(s => s.StreamId).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var id in expired)
        {
            write.Delete(_tables.Sessions, id);
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Channel {ChannelArn} live: stream {StreamId} over {Transport}")]
    private static partial void LogBegan(ILogger logger, string channelArn, string streamId, string transport);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Channel {ChannelArn} stream {StreamId} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string channelArn, string streamId, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Publish to {ChannelArn} refused: {Refusal}")]
    private static partial void LogRefused(ILogger logger, string channelArn, PublishRefusal refusal);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Monitoring {ChannelArn} failed")]
    private static partial void LogMonitorFailed(ILogger logger, Exception exception, string channelArn);
}
