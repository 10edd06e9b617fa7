using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Transcoding;

/// <summary>
/// Transcodes every live stream of a STANDARD or ADVANCED channel into its ladder (docs/transcoding.md), one
/// ffmpeg per stream, within a number of slots: a stream beyond them is refused as IVS refuses it (Stream Failure,
/// "Transcode capacity exceeded. Please try again."), so the streams already running never slow down.
/// </summary>
internal sealed partial class Transcoder : IHostedService, ILiveStreamListener
{
    public const string CapacityExceeded = "Transcode capacity exceeded. Please try again.";
    private const int ReaderCapacity = 1024; // about 10 s of 60 fps video with audio
    private readonly IStreamHub _hub;
    private readonly TranscodingOptions _options;
    private readonly ServiceAccount _account;
    private readonly TimeProvider _time;
    private readonly ILogger<Transcoder> _logger;
    private readonly ConcurrentDictionary<string, (StreamTranscoder Transcoder, Task Run)> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private int _inUse;

    /// <summary>Transcodes when enabled and <paramref name="playbackEnabled"/> (an ingest-only node has no use for renditions).</summary>
    public Transcoder(TranscodingOptions options, bool playbackEnabled, ServiceAccount account, IStreamHub hub, TimeProvider time, ILogger<Transcoder> logger)
    {
        _options = options;
        _account = account;
        _hub = hub;
        _time = time;
        _logger = logger;
        if (options.Enabled && playbackEnabled)
        {
            hub.AddListener(this);
        }
    }

    /// <summary>Streams being transcoded now.</summary>
    public int InUse => Volatile.Read(ref _inUse);

    public int Slots => _options.EffectiveSlots;

    /// <summary>The transcoder of a live stream, if it has one.</summary>
    public StreamTranscoder? Find(string streamId) => _running.TryGetValue(streamId, out var entry) ? entry.Transcoder : null;

    public void OnBroadcastBegan(LiveStream stream)
    {
        if (!TranscodeLadder.Transcodes(stream.Channel.Type)
            || stream.Channel.MultitrackInputConfiguration is { Enabled: true } multitrack && multitrack.Policy == Protocol.Model.MultitrackPolicy.Require)
        {
            // Multitrack input is served as its tracks, never transcoded (a REQUIRE channel needs no slot).
            return;
        }

        if (Interlocked.Increment(ref _inUse) > Slots)
        {
            Interlocked.Decrement(ref _inUse);
            LogCapacityExceeded(_logger, stream.ChannelArn, stream.StreamId, Slots);
            // Ended from outside the admission that is calling us: the publisher is told by its connection closing.
            _ = Task.Run(() => stream.RequestEnd(StreamEndReason.Refused(CapacityExceeded)));
            return;
        }

        var transcoder = new StreamTranscoder(stream, stream.AddReader("transcoder", ReaderCapacity), _hub, _options, _account, _time, _logger);
        var run = Task.Run(async () =>
        {
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(stream.Lifetime.Token, _stopping.Token);
            try
            {
                await transcoder.RunAsync(lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogCrashed(_logger, e, stream.ChannelArn, stream.StreamId); // the source plays on
            }
            finally
            {
                _running.TryRemove(stream.StreamId, out _);
                Interlocked.Decrement(ref _inUse);
            }
        });
        _running[stream.StreamId] = (transcoder, run);
    }

    public void OnBroadcastEnded(LiveStream stream)
    {
        // The transcoder's reader completes with the stream; its run then ends and frees the slot.
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Values.Select(r => r.Run)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Channel {ChannelArn} stream {StreamId} refused: all {Slots} transcode slots are in use")]
    private static partial void LogCapacityExceeded(ILogger logger, string channelArn, string streamId, int slots);

    [LoggerMessage(EventId = 711, Level = LogLevel.Error, Message = "Channel {ChannelArn} stream {StreamId}: the transcoder crashed; the source rendition plays on")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string channelArn, string streamId);
}
