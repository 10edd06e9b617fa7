using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Transcoding;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Auto-record (docs/recording.md): one more reader on the hub for each live stream of a channel with an
/// ACTIVE recording configuration. One pump (a thread of its own) drains every recorded stream every 50 ms into its
/// <see cref="RecordingSession"/> (ingest never waits for it, and packaging for playback is untouched),
/// merges a stream that returns within the configuration's reconnect window into the same recording, and ends
/// recordings whose window has passed. At start it finishes recordings an earlier run left in the spool.
/// </summary>
internal sealed partial class Recorder : BackgroundService, ILiveStreamListener
{
    private const int ReaderCapacity = 2048; // about 20 s of 30 fps video with audio: the recorder may pause for disk I/O
    private const long BitrateSampleMs = 2000; // media a returning stream sends before its bitrate decides whether it is merged
    private const long LadderWaitMs = 10_000; // media a transcoded stream may send before its ladder is known (else: its source alone)
    private static readonly TimeSpan TapGrace = TimeSpan.FromSeconds(10); // how long an ended stream's last packaged segment is awaited
    private const int MaxHeld = 4096; // items held while deciding (about 20 s of 30 fps video with audio)
    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(50);
    private readonly RecordingOptions _options;
    private readonly ServiceAccount _account;
    private readonly bool _expectsLadders; // transcoding on (it needs playback packaging)
    private readonly ResourceTables _resources;
    private readonly StreamTables _streams;
    private readonly RecordingServices _services;
    private readonly ILogger<Recorder> _logger;
    private readonly ConcurrentDictionary<string, StreamRecording> _recorded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecordingSession> _sessionsByChannel = new(StringComparer.Ordinal); // pump only
    private readonly SemaphoreSlim _streamBegan = new(0);

    public Recorder(
        RecordingOptions options, ServiceAccount account, Transcoding.TranscodingOptions transcoding, Playback.PlaybackOptions playback, IStreamHub hub, ResourceTables resources, StreamTables streams, RecordingSpool spool,
        TimeProvider time, ILogger<Recorder> logger)
    {
        _options = options;
        _account = account;
        _expectsLadders = transcoding.Enabled && playback.Enabled;
        _resources = resources;
        _streams = streams;
        _logger = logger;
        _services = new RecordingServices(options, account.Region, account.AccountId, spool, hub, new Thumbnailer(options), time, logger);
        hub.AddListener(this);
    }

    public void OnBroadcastBegan(LiveStream stream)
    {
        if (!_options.Enabled || string.IsNullOrEmpty(stream.Channel.RecordingConfigurationArn))
        {
            return;
        }

        var configuration = IvsArn.TryParse(stream.Channel.RecordingConfigurationArn, out var arn) && _resources.RecordingConfigurations.TryGet(arn.Value.Id, out var record)
            ? record.Configuration
            : null;
        if (configuration?.State != RecordingConfigurationState.Active || configuration.DestinationConfiguration?.S3?.BucketName is null)
        {
            // The channel names a configuration that cannot record (deleted, CREATE_FAILED): IVS reports it and streams on.
            var e = IvsEvent.RecordingState("Recording Start Failure", "ValidationException", _account.Region, _account.AccountId, stream.ChannelArn,
                stream.Channel.Name ?? string.Empty, stream.StreamId, configuration?.DestinationConfiguration?.S3?.BucketName ?? string.Empty, string.Empty, 0,
                string.Empty, null, _services.Time.GetUtcNow());
            RaiseQuietly(stream, e);
            return;
        }

        _recorded[stream.StreamId] = new StreamRecording(stream, stream.AddReader("recording", ReaderCapacity), configuration);
        OpenTap(stream, stream.Segments);
        if (_streamBegan.CurrentCount == 0)
        {
            _streamBegan.Release();
        }
    }

    public void OnRenditionAdded(LiveRendition rendition)
    {
        // Every rung gets a reader; the plan, known once the session is decided, says which are recorded.
        if (_recorded.TryGetValue(rendition.Stream.StreamId, out var recording))
        {
            recording.Renditions[rendition] = rendition.AddReader("recording", ReaderCapacity);
            OpenTap(rendition.Stream, rendition.Segments);
        }
    }

    /// <summary>
    /// LOW latency channels are recorded from the playback packager's segments (no second muxing): their length is
    /// the packager's segment target or the keyframe interval, whichever is longer. NORMAL channels' segments are
    /// longer than IVS's byte-range entries (one keyframe interval), so those are cut by the recorder itself.
    /// </summary>
    private void OpenTap(LiveStream stream, SegmentTap tap)
    {
        if (_options.ReusePackagedSegments && stream.Channel.LatencyMode != ChannelLatencyMode.Normal)
        {
            tap.Open();
        }
    }

    public void OnBroadcastEnded(LiveStream stream)
    {
        // The reader completes after the last frame; the pump sees that and ends the stream's part of the recording.
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A thread of its own: muxing and writing a keyframe interval can take tens of milliseconds, which must
        // never hold a thread-pool thread that the playback packager's 10 ms pump or ingest is waiting for.
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        Thread.CurrentThread.Name = "recorder";
        RecoverLeftOvers();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_recorded.IsEmpty && _sessionsByChannel.Count == 0)
                {
                    _streamBegan.Wait(stoppingToken);
                }

                stoppingToken.WaitHandle.WaitOne(PumpInterval);
                Pump();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            // Shutting down: keep everything in the spool; the next start finishes these recordings.
            foreach (var recording in _recorded.Values)
            {
                recording.Dispose();
            }

            foreach (var session in _sessionsByChannel.Values)
            {
                session.Spool.Close();
            }
        }
    }

    /// <summary>Moves queued media into the recordings and ends those whose reconnect window has passed.</summary>
    internal void Pump()
    {
        foreach (var (streamId, recording) in _recorded)
        {
            if (Drain(recording))
            {
                _recorded.TryRemove(streamId, out _);
                recording.Dispose();
                recording.Session?.StreamEnded();
            }
        }

        var now = _services.Time.GetUtcNow();
        foreach (var (channelArn, session) in _sessionsByChannel.ToList())
        {
            if (session.Phase == RecordingPhase.Waiting && now >= session.WaitUntil && !session.Claimed)
            {
                session.Finish();
            }

            if (session.Phase == RecordingPhase.Finished)
            {
                _sessionsByChannel.Remove(channelArn);
            }
        }
    }

    /// <summary>Returns true once the stream has ended and everything it sent (renditions included) is recorded.</summary>
    private bool Drain(StreamRecording recording)
    {
        var items = recording.Reader.Items;
        while (items.TryRead(out var item))
        {
            try
            {
                if (recording.Session is null && !recording.Abandoned)
                {
                    Hold(recording, item);
                }
                else
                {
                    recording.Session?.Handle(item);
                }
            }
            finally
            {
                item.Frame?.Release();
            }
        }

        var ended = items.Completion.IsCompleted;
        if (recording.Session is null && !recording.Abandoned && recording.Held.Count > 0 && (ended || ReadyToDecide(recording)))
        {
            Decide(recording);
        }

        // Transcoded renditions wait in their readers until the recording is decided.
        foreach (var (rendition, reader) in recording.Renditions)
        {
            if (recording.Session is null && !recording.Abandoned && !ended)
            {
                break;
            }

            while (reader.Items.TryRead(out var item))
            {
                try
                {
                    recording.Session?.HandleRendition(rendition, item);
                }
                finally
                {
                    item.Frame?.Release();
                }
            }

            ended &= reader.Items.Completion.IsCompleted;
        }

        ended &= DrainSegments(recording, recording.Stream.Segments, null, ended);
        foreach (var (rendition, _) in recording.Renditions)
        {
            ended &= DrainSegments(recording, rendition.Segments, rendition, ended);
        }

        return ended;
    }

    /// <summary>Moves the packager's segments into the recording; true once the tap has nothing more to give.</summary>
    private bool DrainSegments(StreamRecording recording, SegmentTap tap, LiveRendition? rendition, bool framesEnded)
    {
        if (!tap.IsOpen || !tap.Packaged)
        {
            return true; // not packaged for playback: the recorder cuts this rendition from its frames
        }

        var session = recording.Session;
        if (session is null && !recording.Abandoned && !framesEnded)
        {
            return false; // not decided yet: the segments wait in the tap
        }

        if (session is null || (rendition is null ? !session.RecordsSource : !session.Records(rendition)))
        {
            tap.Close(); // nobody records them
            return true;
        }

        var completed = tap.Completed; // read before taking: every segment offered before it is in the queue
        while (tap.TryTake(out var segment))
        {
            using (segment)
            {
                session.HandleSegment(recording.Stream, rendition, segment);
            }
        }

        if (completed && !recording.TapsEnded.Contains(tap))
        {
            recording.TapsEnded.Add(tap);
            session.EndSegments(recording.Stream, rendition, tap.FinalDateRanges);
        }

        if (framesEnded && !completed)
        {
            // The frames have ended; the packager's last segment follows within a pump or two. Never wait for ever.
            recording.FramesEndedAt ??= _services.Time.GetUtcNow();
            if (_services.Time.GetUtcNow() - recording.FramesEndedAt < TapGrace)
            {
                return false;
            }

            LogTapIncomplete(_logger, recording.Stream.ChannelArn, recording.Stream.StreamId);
            tap.Close();
        }

        return true;
    }

    /// <summary>
    /// Until a stream belongs to a recording its items are held: from its first keyframe, for as long as the
    /// decision needs (its bitrate when it may continue the channel's waiting recording, its ladder when it is transcoded).
    /// </summary>
    private void Hold(StreamRecording recording, in StreamItem item)
    {
        if (recording.Held.Count == 0)
        {
            switch (item.Kind)
            {
                case StreamItemKind.VideoConfig:
                    recording.Video = item.Video;
                    return;
                case StreamItemKind.AudioConfig:
                    recording.Audio = item.Audio;
                    return;
                case StreamItemKind.Frame:
                    break;
                default:
                    return;
            }

            var first = item.Frame!;
            var starts = recording.Video is not null
                ? first.Kind == MediaKind.Video && first.IsKeyframe
                : recording.Audio is not null && first.Kind == MediaKind.Audio && ++recording.AudioFramesWithoutVideo > 50;
            if (!starts)
            {
                return;
            }

            recording.FirstTimestamp = first.Timestamp;
            if (_sessionsByChannel.TryGetValue(recording.Stream.ChannelArn, out var previous)
                && previous.CanContinueWith(recording.Video, recording.Audio, _services.Time.GetUtcNow()) && !previous.Claimed)
            {
                // Within the window and alike: its bitrate decides, once measured. The recording waits meanwhile.
                recording.Candidate = previous;
                previous.Claimed = true;
            }
        }

        if (item.Frame is { } frame)
        {
            item.Frame.Retain();
            if (frame.Kind != MediaKind.Data)
            {
                recording.HeldBytes += frame.Length;
                recording.LastTimestamp = Math.Max(recording.LastTimestamp, frame.Timestamp);
            }
        }

        recording.Held.Add(item);
    }

    private bool ReadyToDecide(StreamRecording recording)
    {
        var measured = recording.LastTimestamp - recording.FirstTimestamp;
        if (recording.Held.Count >= MaxHeld)
        {
            return true;
        }

        if (recording.Candidate is { OriginalBitrate: > 0 } && measured < BitrateSampleMs)
        {
            return false;
        }

        return !ExpectsLadder(recording) || recording.Stream.Ladder is not null || measured >= LadderWaitMs;
    }

    /// <summary>A stream the transcoder will give a ladder (docs/transcoding.md): its renditions are known only then.</summary>
    private bool ExpectsLadder(StreamRecording recording) =>
        _expectsLadders && TranscodeLadder.Transcodes(recording.Stream.Channel.Type)
        && recording.Video?.Codec == VideoCodec.Avc;

    /// <summary>The stream continues the channel's waiting recording (alike, in the window, bitrate within 50 %) or starts one; then its held items go in.</summary>
    private void Decide(StreamRecording recording)
    {
        var stream = recording.Stream;
        var now = _services.Time.GetUtcNow();
        var plan = RecordingPlan.For(stream.Ladder, recording.Configuration.RenditionConfiguration);
        var span = recording.LastTimestamp - recording.FirstTimestamp;
        var bitrate = span > 0 ? recording.HeldBytes * 8000 / span : 0;
        if (recording.Candidate is { } candidate)
        {
            candidate.Claimed = false;
            if (span <= 0 || candidate.BitrateWithin(bitrate))
            {
                candidate.Attach(stream, recording.Video, recording.Audio, plan);
                recording.Session = candidate;
                LogContinued(_logger, stream.ChannelArn, stream.StreamId, candidate.Prefix);
            }
            else
            {
                LogBitrateChanged(_logger, stream.ChannelArn, stream.StreamId, bitrate, candidate.OriginalBitrate);
            }
        }

        if (recording.Session is null)
        {
            if (_sessionsByChannel.TryGetValue(stream.ChannelArn, out var previous))
            {
                if (previous.Phase == RecordingPhase.Recording)
                {
                    previous.StreamEnded();
                }

                previous.Finish();
                _sessionsByChannel.Remove(stream.ChannelArn);
            }

            try
            {
                var session = RecordingSession.Start(_services, recording.Configuration, stream, recording.Video, recording.Audio, plan);
                _sessionsByChannel[stream.ChannelArn] = session;
                recording.Session = session;
                LogStarted(_logger, stream.ChannelArn, stream.StreamId, session.Bucket, session.Prefix);
            }
            catch (Exception e)
            {
                // The spool cannot be written (disk full, permissions): Recording Start Failure, the stream goes on unrecorded.
                LogStartFailed(_logger, e, stream.ChannelArn);
                recording.Abandoned = true;
                var failure = IvsEvent.RecordingState("Recording Start Failure", "InternalServerException", _account.Region, _account.AccountId, stream.ChannelArn,
                    stream.Channel.Name ?? string.Empty, stream.StreamId, recording.Configuration.DestinationConfiguration!.S3!.BucketName!, string.Empty, 0,
                    string.Empty, null, now);
                RaiseQuietly(stream, failure);
            }
        }

        foreach (var held in recording.Held)
        {
            try
            {
                recording.Session?.Handle(held);
            }
            finally
            {
                held.Frame?.Release();
            }
        }

        recording.Held.Clear();
    }

    private void RecoverLeftOvers()
    {
        foreach (var directory in _services.Spool.LeftOver())
        {
            try
            {
                var session = RecordingSession.Recover(_services, directory, StreamOf);
                LogRecovered(_logger, session.ChannelArn, session.Prefix);
            }
            catch (Exception e)
            {
                LogRecoveryFailed(_logger, e, directory);
            }
        }
    }

    /// <summary>A stand-in for an ended stream (events of recovered recordings are recorded on its session).</summary>
    private LiveStream StreamOf(string channelArn, string streamId)
    {
        var channel = _streams.Sessions.TryGet(streamId, out var session) ? session.Channel : new Channel { Arn = channelArn, Name = string.Empty };
        return new LiveStream(channel, streamId, session?.StartTime ?? _services.Time.GetUtcNow(), IngestTransport.Rtmps, () => { }, _services.Time);
    }

    private void RaiseQuietly(LiveStream stream, IvsEvent e)
    {
        try
        {
            _services.Hub.Raise(stream, e);
        }
        catch (Exception exception)
        {
            LogStartFailed(_logger, exception, stream.ChannelArn);
        }
    }

    /// <summary>A recorded stream: its reader, and the recording it feeds once its first keyframe decided it.</summary>
    private sealed class StreamRecording(LiveStream stream, LiveStreamReader reader, RecordingConfiguration configuration) : IDisposable
    {
        public LiveStream Stream { get; } = stream;

        /// <summary>Taps whose end (closing ad-break tags) the session has been given.</summary>
        public HashSet<SegmentTap> TapsEnded { get; } = [];

        public LiveStreamReader Reader { get; } = reader;

        public RecordingConfiguration Configuration { get; } = configuration;

        public RecordingSession? Session { get; set; }

        public VideoTrackInfo? Video { get; set; }

        public AudioTrackInfo? Audio { get; set; }

        public int AudioFramesWithoutVideo { get; set; }

        /// <summary>Its recording could not start: the stream goes on unrecorded.</summary>
        public bool Abandoned { get; set; }

        /// <summary>The transcoded renditions' readers.</summary>
        public ConcurrentDictionary<LiveRendition, LiveStreamReader> Renditions { get; } = new();

        /// <summary>Items from the first keyframe until the recording is decided (frames retained).</summary>
        public List<StreamItem> Held { get; } = [];

        public long HeldBytes { get; set; }

        public long FirstTimestamp { get; set; }

        public long LastTimestamp { get; set; }

        /// <summary>When the stream's frames were seen to end while packaged segments were still due.</summary>
        public DateTimeOffset? FramesEndedAt { get; set; }

        /// <summary>The channel's waiting recording this stream may continue, if its bitrate allows.</summary>
        public RecordingSession? Candidate { get; set; }

        public void Dispose()
        {
            _ = Reader.DisposeAsync();
            Stream.Segments.Close();
            foreach (var (rendition, reader) in Renditions)
            {
                _ = reader.DisposeAsync();
                rendition.Segments.Close();
            }

            foreach (var held in Held)
            {
                held.Frame?.Release();
            }

            Held.Clear();
            if (Candidate is { } candidate)
            {
                candidate.Claimed = false;
            }
        }
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Recording {ChannelArn} stream {StreamId} to {Bucket}/{Prefix}")]
    private static partial void LogStarted(ILogger logger, string channelArn, string streamId, string bucket, string prefix);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "Recording of {ChannelArn} continues with stream {StreamId} in {Prefix}")]
    private static partial void LogContinued(ILogger logger, string channelArn, string streamId, string prefix);

    [LoggerMessage(EventId = 715, Level = LogLevel.Information, Message = "Stream {StreamId} of {ChannelArn} starts a new recording: {Bitrate} bps is more than 50 % away from the recording's {Original} bps")]
    private static partial void LogBitrateChanged(ILogger logger, string channelArn, string streamId, long bitrate, long original);

    [LoggerMessage(EventId = 716, Level = LogLevel.Warning, Message = "Recording of {ChannelArn} stream {StreamId}: the packager's last segments did not come; the recording ends without them")]
    private static partial void LogTapIncomplete(ILogger logger, string channelArn, string streamId);

    [LoggerMessage(EventId = 712, Level = LogLevel.Error, Message = "Recording of {ChannelArn} could not start; the stream goes on unrecorded")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string channelArn);

    [LoggerMessage(EventId = 713, Level = LogLevel.Information, Message = "Finishing the recording of {ChannelArn} in {Prefix} left by an earlier run")]
    private static partial void LogRecovered(ILogger logger, string channelArn, string prefix);

    [LoggerMessage(EventId = 714, Level = LogLevel.Error, Message = "Could not finish the recording left in {Directory}")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception, string directory);
}
