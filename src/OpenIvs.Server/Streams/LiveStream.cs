using System.Collections.Concurrent;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams;

/// <summary>
/// One broadcast in progress: the channel as it was at go-live, the tracks, the readers it fans frames
/// out to, and its measurements. The ingest loop is its single writer; API and playback read it.
/// </summary>
public sealed class LiveStream
{
    private readonly Action _disconnect;
    private readonly ConcurrentQueue<byte[]> _pendingMetadata = new();
    private readonly ReaderFanOut _fanOut = new();
    private LiveRendition[] _renditions = [];
    private IReadOnlyList<LadderRung>? _ladder;
    private long _lastTimestamp;
    private bool _multitrack;
    private StreamEndReason? _endRequest;
    private const int AdBreaksKept = 8;
    private readonly Lock _adBreakLock = new();
    private AdBreak[] _adBreaks = [];
    private AdBreak? _requestedAdBreak;
    private AdBreak? _runningAdBreak;
    private volatile bool _adBreakPending;
    private int _adBreakVersion;
    private uint _lastSpliceEventId;

    internal LiveStream(Channel channel, string streamId, DateTimeOffset startTime, IngestTransport transport, Action disconnect, TimeProvider time)
    {
        Metrics = new StreamMetrics(time);
        Channel = channel;
        ChannelArn = channel.Arn!;
        StreamId = streamId;
        StartTime = startTime;
        Transport = transport;
        _disconnect = disconnect;
    }

    public Channel Channel { get; }

    public string ChannelArn { get; }

    public string StreamId { get; }

    public DateTimeOffset StartTime { get; }

    public IngestTransport Transport { get; }

    public bool SecureTransport => Transport != IngestTransport.Rtmp;

    public StreamHealth Health { get; internal set; } = StreamHealth.Healthy;

    public VideoTrackInfo? Video => _fanOut.Video;

    public AudioTrackInfo? Audio => _fanOut.Audio;

    /// <summary>The renditions besides the source (a transcoded channel's rungs), in ladder order.</summary>
    public IReadOnlyList<LiveRendition> Renditions => Volatile.Read(ref _renditions);

    /// <summary>
    /// The channel's ladder for this stream once the transcoder has chosen it (null until then, and for a stream
    /// that is not transcoded): which renditions players are offered, the source among them or not.
    /// </summary>
    public IReadOnlyList<LadderRung>? Ladder
    {
        get => Volatile.Read(ref _ladder);
        internal set => Volatile.Write(ref _ladder, value);
    }

    /// <summary>
    /// True once ingest found the input to be multitrack (Enhanced RTMP): its tracks are its renditions (set before the
    /// first frame is published) and nothing is transcoded.
    /// </summary>
    public bool Multitrack
    {
        get => Volatile.Read(ref _multitrack);
        internal set => Volatile.Write(ref _multitrack, value);
    }

    /// <summary>The timestamp of the newest frame published (milliseconds, ingest clock).</summary>
    public long LastTimestamp => Volatile.Read(ref _lastTimestamp);

    /// <summary>The encoder name the publisher reported (onMetaData <c>encoder</c>).</summary>
    public string? Encoder { get; internal set; }

    public StreamMetrics Metrics { get; }

    /// <summary>The stream's latest ad breaks (at most eight), started or ended; replaced whole at each change.</summary>
    public IReadOnlyList<AdBreak> AdBreaks => Volatile.Read(ref _adBreaks);

    /// <summary>Increases at every change of <see cref="AdBreaks"/>: readers compare it to what they last saw.</summary>
    public int AdBreakVersion => Volatile.Read(ref _adBreakVersion);
    /// <summary>The segments the playback packager completes, for a reader that wants them (the recorder).</summary>
    public SegmentTap Segments { get; } = new();

    /// <summary>Concurrent views, maintained by the playback side.</summary>
    public long ViewerCount { get; set; }

    /// <summary>True once the first video keyframe arrived (IVS: "Stream Start", segments available).</summary>
    public bool Started { get; internal set; }

    /// <summary>Completed when the hub has ended the stream (readers completed, the channel offline).</summary>
    internal TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when the session recorder has stored the end (Session Ended is durable).</summary>
    internal TaskCompletionSource EndRecorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal bool Ending { get; set; }

    /// <summary>Why the service asked the stream to end, if it did (the first request wins).</summary>
    public StreamEndReason? EndRequest => Volatile.Read(ref _endRequest);

    /// <summary>Whether an ingest-bitrate breach is being reported (one event per excursion above the limit).</summary>
    internal bool OverBitrate { get; set; }

    internal CancellationTokenSource Lifetime { get; } = new();

    /// <summary>
    /// Adds a reader with its own queue of <paramref name="capacity"/> items. The current track
    /// configurations are queued first, so a late reader can start at the next keyframe.
    /// </summary>
    public LiveStreamReader AddReader(string name, int capacity) => _fanOut.AddReader(name, capacity);

    public IReadOnlyList<LiveStreamReader> Readers => _fanOut.Readers;

    internal void SetVideo(VideoTrackInfo video) => _fanOut.SetVideo(video);

    internal void SetAudio(AudioTrackInfo audio) => _fanOut.SetAudio(audio);

    /// <summary>Adds a rendition (ended with the stream); false when the stream has already ended.</summary>
    internal bool AddRendition(LiveRendition rendition)
    {
        lock (_fanOut)
        {
            if (Ending)
            {
                return false;
            }

            _renditions = [.. _renditions, rendition];
            return true;
        }
    }

    /// <summary>Fans a frame out to every reader and releases the caller's reference. Ingest loop only.</summary>
    internal void Publish(MediaFrame frame)
    {
        try
        {
            Volatile.Write(ref _lastTimestamp, frame.Timestamp);
            if (_adBreakPending)
            {
                AdvanceAdBreaks(frame);
            }

            while (_pendingMetadata.TryDequeue(out var metadata))
            {
                var data = MediaFrame.Create(MediaKind.Data, metadata, frame.Timestamp, 0, isKeyframe: true);
                Offer(StreamItem.ForFrame(data));
                data.Release();
            }

            if (frame.Kind != MediaKind.Data)
            {
                Metrics.Add(frame.Kind == MediaKind.Video, frame.Length);
                if (frame.IsKeyframe && frame.Kind == MediaKind.Video)
                {
                    Metrics.AddKeyframe(frame.Timestamp);
                }
            }

            Offer(StreamItem.ForFrame(frame));
        }
        finally
        {
            frame.Release();
        }
    }

    /// <summary>Asks for an ad break from the next keyframe; false while another one is waiting or running.</summary>
    internal bool TryRequestAdBreak(string id, TimeSpan duration)
    {
        lock (_adBreakLock)
        {
            if (_requestedAdBreak is not null || _runningAdBreak is not null || Ending)
            {
                return false;
            }

            _requestedAdBreak = new AdBreak(id, ++_lastSpliceEventId, duration);
            _adBreakPending = true;
            return true;
        }
    }

    /// <summary>
    /// The stream is ending: a break waiting for its keyframe is dropped (a running one ends with the stream, where
    /// each rendition's last segment ends), and the ad configuration's post-roll, if any, is marked after the end.
    /// </summary>
    internal void EndAdBreaks(string? postRollId, TimeSpan postRollDuration)
    {
        lock (_adBreakLock)
        {
            _requestedAdBreak = null;
            _runningAdBreak = null;
            _adBreakPending = false;
            if (postRollId is not null)
            {
                Add(new AdBreak(postRollId, ++_lastSpliceEventId, postRollDuration) { PostRoll = true }, replacing: null);
            }
        }
    }

    /// <summary>
    /// Ingest loop, while a break is waiting or running: starts it at the first keyframe after the request (any
    /// frame of a stream without video), ends it at the first keyframe once its duration has passed.
    /// </summary>
    private void AdvanceAdBreaks(MediaFrame frame)
    {
        var cuts = frame.Kind == MediaKind.Video ? frame.IsKeyframe : frame.Kind == MediaKind.Audio && Video is null;
        if (!cuts)
        {
            return;
        }

        lock (_adBreakLock)
        {
            if (_runningAdBreak is { Start: { } start } running
                && frame.Timestamp - start >= (long)running.Duration.TotalMilliseconds - EndTolerance)
            {
                Add(running with { End = frame.Timestamp }, replacing: running);
                _runningAdBreak = null;
            }

            if (_requestedAdBreak is { } requested)
            {
                var started = requested with { Start = frame.Timestamp };
                Add(started, replacing: null);
                _runningAdBreak = started;
                _requestedAdBreak = null;
            }

            _adBreakPending = _runningAdBreak is not null;
        }
    }

    /// <summary>A keyframe this close before the planned end ends the break (timestamps jitter by a millisecond or two).</summary>
    private const long EndTolerance = 20;

    private void Add(AdBreak adBreak, AdBreak? replacing)
    {
        var list = new List<AdBreak>(_adBreaks.Length + 1);
        foreach (var existing in _adBreaks)
        {
            if (!ReferenceEquals(existing, replacing))
            {
                list.Add(existing);
            }
        }

        list.Add(adBreak);
        Volatile.Write(ref _adBreaks, list.Count > AdBreaksKept ? list[^AdBreaksKept..].ToArray() : list.ToArray());
        Interlocked.Increment(ref _adBreakVersion);
    }

    /// <summary>Queues timed metadata; it enters the stream with the next frame (ingest keeps stream order).</summary>
    internal void EnqueueMetadata(byte[] payload) => _pendingMetadata.Enqueue(payload);

    internal void CompleteReaders()
    {
        _fanOut.Complete();
        lock (_fanOut)
        {
            foreach (var rendition in _renditions)
            {
                rendition.Complete();
            }
        }
    }

    /// <summary>
    /// Ends the stream from the server side (StopStream, a limit, the idle timeout): records why, then closes
    /// the publisher's connection; the protocol server's end of the connection then ends the stream in the hub.
    /// </summary>
    public void RequestEnd(StreamEndReason reason)
    {
        Interlocked.CompareExchange(ref _endRequest, reason, null);
        _disconnect();
    }

    public Protocol.Model.Stream ToApi() => new()
    {
        ChannelArn = ChannelArn,
        StreamId = StreamId,
        PlaybackUrl = Channel.PlaybackUrl,
        StartTime = StartTime,
        State = StreamState.Live,
        Health = Health,
        ViewerCount = ViewerCount,
    };

    public StreamSummary ToSummary() => new()
    {
        ChannelArn = ChannelArn,
        StreamId = StreamId,
        State = StreamState.Live,
        Health = Health,
        ViewerCount = ViewerCount,
        StartTime = StartTime,
    };

    private void Offer(in StreamItem item) => _fanOut.Offer(item);
}
