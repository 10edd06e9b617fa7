using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Packages every live stream as HLS as soon as it begins (a reader on the hub per stream, drained by one
/// pump for all streams), keeps the
/// renditions the origin serves (live ones by channel, and ended ones for a short while by stream id so
/// players see EXT-X-ENDLIST), and maintains each stream's viewer count from its viewer sessions.
/// </summary>
internal sealed class HlsPackager : BackgroundService, ILiveStreamListener
{
    private const int ReaderCapacity = 1024; // about 10 s of 60 fps video with audio: room for a GC pause
    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(10);
    // Viewer counts and ended streams are swept every 5 s of clock time (not every N pump ticks: on a busy machine a
    // 10 ms delay takes longer, and counts would lag).
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);
    private readonly PlaybackOptions _options;
    private readonly PlaybackAuthorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly ILogger<HlsPackager> _logger;
    // Parts (about 100 KB each at 2.5 Mbps) stay in memory for a few seconds and then come back. The shared pool
    // keeps only a few arrays per size, so with many streams most parts would be new large-object allocations and
    // every eviction garbage: a pool of its own recycles them, and gives back what sat idle for a sweep interval
    // (memory comes back when streams end).
    private readonly PartBufferPool _partPool = new(maxArrayLength: 4 * 1024 * 1024);
    private readonly PartPoolTrimming _trimming;
    private readonly string _spillDirectory;
    private readonly ConcurrentDictionary<string, HlsRendition> _liveByChannelId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HlsRendition> _byStreamId = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _streamBegan = new(0);

    // spillDirectory: where segments older than PlaybackOptions.MemoryWindow wait on disk (emptied at start).
    public HlsPackager(PlaybackOptions options, string spillDirectory, IStreamHub hub, PlaybackAuthorizer authorizer, TimeProvider time, ILogger<HlsPackager> logger)
    {
        _options = options;
        _authorizer = authorizer;
        _time = time;
        _logger = logger;
        _spillDirectory = spillDirectory;
        _trimming = new PartPoolTrimming(_partPool, PartPoolTrimming.Collect);
        PrepareSpillDirectory(_spillDirectory);
        hub.AddListener(this);
    }

    /// <summary>Bytes of part buffers idle in the pool (not yet given back).</summary>
    internal long IdlePartBytes => _partPool.IdleBytes;

    // Spilled segments are deleted when they leave the window; what a crash left behind goes now.
    private static void PrepareSpillDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(directory, "*.seg"))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The rendition of a channel that is live now.</summary>
    public bool TryGetLive(string channelId, out HlsRendition rendition) => _liveByChannelId.TryGetValue(channelId, out rendition!);

    /// <summary>A rendition by stream id, live or recently ended.</summary>
    public bool TryGetStream(string streamId, out HlsRendition rendition) => _byStreamId.TryGetValue(streamId, out rendition!);

    public void OnBroadcastBegan(LiveStream stream)
    {
        if (!_options.Enabled || !IvsArn.TryParse(stream.ChannelArn, out var arn))
        {
            return;
        }

        var rendition = new HlsRendition(stream, stream.AddReader("hls", ReaderCapacity), SegmenterOptionsFor(stream.Channel), _time, _logger);
        _byStreamId[stream.StreamId] = rendition;
        _liveByChannelId[arn.Value.Id] = rendition;
        if (_streamBegan.CurrentCount == 0)
        {
            _streamBegan.Release();
        }
    }

    public void OnRenditionAdded(LiveRendition rendition)
    {
        // Packaged like the source, with the same segmenter settings, so every rung's segments and parts line up.
        if (_options.Enabled && _byStreamId.TryGetValue(rendition.Stream.StreamId, out var source))
        {
            var stream = rendition.Stream;
            source.Variants[rendition.Name] = new HlsRendition(
                stream, rendition.AddReader("hls", ReaderCapacity), SegmenterOptionsFor(stream.Channel), _time, _logger, rendition, source);
        }
    }

    public void OnBroadcastEnded(LiveStream stream)
    {
        if (IvsArn.TryParse(stream.ChannelArn, out var arn) && _byStreamId.TryGetValue(stream.StreamId, out var rendition))
        {
            _liveByChannelId.TryRemove(new KeyValuePair<string, HlsRendition>(arn.Value.Id, rendition));
        }
    }

    /// <summary>The segmenter settings of a channel: LL-HLS parts for LOW latency, fMP4 or TS per containerFormat.</summary>
    public LiveSegmenterOptions SegmenterOptionsFor(Channel channel)
    {
        var lowLatency = channel.LatencyMode != ChannelLatencyMode.Normal;
        var segmentTarget = lowLatency ? _options.LowLatencySegmentTarget : _options.NormalSegmentTarget;
        return new LiveSegmenterOptions
        {
            Format = channel.ContainerFormat == ContainerFormat.FragmentedMp4 ? HlsContainerFormat.Fmp4 : HlsContainerFormat.MpegTs,
            SegmentTarget = segmentTarget,
            PartTarget = lowLatency ? _options.PartTarget : null,
            PartTargetHeadroom = TimeSpan.FromMilliseconds(Math.Min(20, _options.PartTarget.TotalMilliseconds / 10)),
            ClosePartsOnLastFrame = lowLatency && _options.ClosePartsOnLastFrame,
            WindowSegments = Math.Max(3, (int)Math.Ceiling(_options.Window / segmentTarget)),
            PartHoldBackParts = _options.PartHoldBackParts,
            DeltaUpdates = lowLatency, // a NORMAL window is too short for skipping to pay off
            SpliceInfoStream = !string.IsNullOrEmpty(channel.AdConfigurationArn), // SCTE-35 in TS for InsertAdBreak
            BufferPool = _partPool,
            // players ask for the newest seconds; older segments wait on disk (the page cache) for the few that lag
            SpillDirectory = _options.MemoryWindow < _options.Window ? _spillDirectory : null,
            MemorySegments = (int)Math.Ceiling(_options.MemoryWindow / segmentTarget),
        };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One pump for every stream, every 10 ms, instead of a task woken per frame per stream: with many
        // streams the thread wake-ups (futex calls, context switches) cost more CPU than the packaging itself
        // (measured with bench/ingest --hls). The price is at most 10 ms of latency.
        var lastSweep = _time.GetTimestamp();
        try
        {
            while (true)
            {
                if (_byStreamId.IsEmpty)
                {
                    _trimming.Trim(nothingLive: true);
                    await _streamBegan.WaitAsync(stoppingToken).ConfigureAwait(false); // no timer while nothing is live
                }

                await Task.Delay(PumpInterval, _time, stoppingToken).ConfigureAwait(false);
                foreach (var (_, rendition) in _byStreamId) // the enumerator takes no locks and copies nothing
                {
                    rendition.Pump();
                }

                if (_time.GetElapsedTime(lastSweep) >= SweepInterval)
                {
                    lastSweep = _time.GetTimestamp();
                    Sweep();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            foreach (var rendition in _byStreamId.Values)
            {
                rendition.Dispose();
            }
        }
    }

    /// <summary>Counts viewers (sessions seen within the timeout) and frees ended streams after their linger time.</summary>
    internal void Sweep()
    {
        var now = _time.GetTimestamp();
        var wallNow = _time.GetUtcNow();
        foreach (var (streamId, rendition) in _byStreamId)
        {
            var viewers = ViewerSession.CountViewers(rendition.Sessions, _time, now, _options.ViewerSessionTimeout);

            rendition.Stream.ViewerCount = viewers;
            if (rendition.EndedAt is { } ended && wallNow - ended >= _options.EndedStreamLinger)
            {
                _byStreamId.TryRemove(streamId, out _);
                rendition.Dispose();
            }
        }

        _authorizer.Sweep();
        _trimming.Trim(nothingLive: false);
    }
}
