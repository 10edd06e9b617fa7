using Microsoft.Extensions.Hosting;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams.Lifecycle;

/// <summary>
/// Watches every live stream on a timer (<see cref="TimeProvider"/>, so tests drive it with a fake clock):
/// starvation (media missing for the threshold), the idle timeout, the maximum duration and the ingest
/// bitrate limit. What it finds is reported as lifecycle facts; streams it must end are asked to end with
/// the reason.
/// </summary>
public sealed partial class StreamMonitor(
    IngestOptions options, LiveStreamHub hub, StreamLifecycle lifecycle, TimeProvider time, ILogger<StreamMonitor> logger)
    : BackgroundService
{
    /// <summary>How often streams are checked: the resolution of starvation and idle timing.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>Whole seconds of measurements needed before the bitrate is judged (a start-up burst is not a breach).</summary>
    private const int BitrateWindowSeconds = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                CheckAll();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One pass over every live stream.</summary>
    internal void CheckAll()
    {
        foreach (var stream in hub.Live)
        {
            try
            {
                Check(stream);
            }
            catch (Exception e)
            {
                LogCheckFailed(logger, e, stream.ChannelArn);
            }
        }
    }

    private void Check(LiveStream stream)
    {
        var limits = options;
        var now = time.GetUtcNow();
        var idle = stream.Metrics.SinceLastMedia;
        if (idle >= limits.IdleTimeout)
        {
            stream.RequestEnd(StreamEndReason.Idle(idle));
            return;
        }

        if (now - stream.StartTime >= limits.MaxStreamDuration)
        {
            stream.RequestEnd(StreamEndReason.MaxDuration(limits.MaxStreamDuration));
            return;
        }

        var starving = idle >= limits.StarvationThreshold;
        if (stream.Started && starving != (stream.Health == StreamHealth.Starving))
        {
            stream.Health = starving ? StreamHealth.Starving : StreamHealth.Healthy;
            lifecycle.Report(new HealthChanged(stream, stream.Health, now));
        }

        var limit = BitrateLimit(stream);
        var bitrate = stream.Metrics.TotalBitrate;
        var over = stream.Metrics.CompleteSeconds >= BitrateWindowSeconds && bitrate > limit;
        if (over && !stream.OverBitrate)
        {
            var breach = LimitBreach.IngestBitrate(limit, bitrate);
            lifecycle.Report(new LimitBreached(stream, breach, now));
            if (limits.DisconnectOnLimitBreach)
            {
                stream.RequestEnd(StreamEndReason.LimitBreach(breach));
            }
        }

        stream.OverBitrate = over;
    }

    private long BitrateLimit(LiveStream stream)
    {
        var limits = options;
        if (stream.Channel.Type != ChannelType.Basic)
        {
            return limits.MaxBitrate;
        }

        return stream.Video is { Height: <= 480 } ? limits.BasicSdMaxBitrate : limits.BasicMaxBitrate;
    }

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Monitoring {ChannelArn} failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string channelArn);
}
