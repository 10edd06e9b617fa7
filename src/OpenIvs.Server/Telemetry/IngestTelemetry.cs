using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// Metrics and traces of ingest and live streams (docs/monitoring.md). The per-channel figures are IVS's CloudWatch
/// metrics (IngestVideoBitrate, IngestAudioBitrate, IngestFramerate, KeyframeInterval, ConcurrentViews), observed from the
/// live streams' own measurements when a scrape asks: nothing runs on the per-frame path. Publish attempts
/// are counted and traced by outcome; the stream name (the stream key) is never recorded.
/// </summary>
public sealed class IngestTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Ingest";

    private readonly Meter? _meter;
    private readonly Counter<long>? _publishes;
    private readonly LiveStreamHub _hub;
    private readonly bool _scopes;

    private readonly ServerSpans _spans;

    public IngestTelemetry(IMeterFactory meters, LiveStreamHub hub, ServerSpans spans, MonitoringOptions options)
    {
        _spans = spans;
        _hub = hub;
        _scopes = options.JsonLogs;
        Source = spans.CreateSource(Name);
        if (!options.MetricsEnabled)
        {
            return; // no Meter: nothing to observe, nothing counted
        }

        _meter = meters.Create(Name);
        _meter.CreateObservableGauge(
            "openivs.ingest.video.bitrate", () => PerChannel(s => s.Metrics.VideoBitrate), unit: null,
            "IngestVideoBitrate: video bits per second received, averaged over the last 5 s.");
        _meter.CreateObservableGauge(
            "openivs.ingest.audio.bitrate", () => PerChannel(s => s.Metrics.AudioBitrate), unit: null,
            "IngestAudioBitrate: audio bits per second received, averaged over the last 5 s.");
        _meter.CreateObservableGauge(
            "openivs.ingest.framerate", () => PerChannel(s => s.Metrics.FrameRate), unit: null,
            "IngestFramerate: video frames per second received, averaged over the last 5 s.");
        _meter.CreateObservableGauge(
            "openivs.ingest.keyframe.interval", () => PerChannel(s => s.Metrics.KeyframeInterval.TotalSeconds, skipZero: true), "s",
            "KeyframeInterval: media time between the last two video keyframes.");
        _meter.CreateObservableGauge(
            "openivs.concurrent.views", () => PerChannel(s => s.ViewerCount), unit: null,
            "ConcurrentViews: viewers watching the live stream (playback sessions seen in the last minute).");
        _meter.CreateObservableUpDownCounter(
            "openivs.live.streams", () => _hub.LiveCount, "{stream}", "Channels live now.");
        _publishes = _meter.CreateCounter<long>("openivs.ingest.publishes", "{publish}", "Publish attempts by outcome (accepted, or why refused).");
    }

    /// <summary>Null when tracing is off.</summary>
    public ActivitySource? Source { get; }

    /// <summary>Starts the span of a publish attempt (null when nobody traces).</summary>
    public Activity? StartPublish(bool secure)
    {
        var activity = Source is null ? null : _spans.StartRoot(Source, "publish");
        activity?.SetTag("network.protocol.name", secure ? "rtmps" : "rtmp");
        return activity;
    }

    /// <summary>Counts a publish attempt's outcome and closes its span.</summary>
    public void PublishDecided(Activity? activity, PublishResult result)
    {
        var outcome = OutcomeText(result.Refusal);
        _publishes?.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

        if (activity is not null)
        {
            activity.SetTag("openivs.publish.outcome", outcome);
            if (result.Stream is { } stream)
            {
                activity.SetTag("openivs.channel_id", ChannelId(stream.ChannelArn));
                activity.SetTag("openivs.stream_id", stream.StreamId);
            }

            activity.Dispose();
        }
    }

    /// <summary>A logging scope naming the stream's channel (with JSON logs; null otherwise).</summary>
    public IDisposable? BeginChannelScope(ILogger logger, LiveStream stream) =>
        _scopes ? logger.BeginScope(new RequestScope(channelId: ChannelId(stream.ChannelArn))) : null;

    /// <summary>The channel id (last part of the ARN): the label that names a channel in metrics and logs.</summary>
    public static string ChannelId(string channelArn) => channelArn[(channelArn.LastIndexOf('/') + 1)..];

    public void Dispose()
    {
        Source?.Dispose();
        _meter?.Dispose();
    }

    private IEnumerable<Measurement<T>> PerChannel<T>(Func<LiveStream, T> value, bool skipZero = false)
        where T : struct, IEquatable<T>
    {
        foreach (var stream in _hub.Live)
        {
            var measured = value(stream);
            if (!skipZero || !measured.Equals(default))
            {
                yield return new Measurement<T>(measured, new KeyValuePair<string, object?>("channel_id", ChannelId(stream.ChannelArn)));
            }
        }
    }

    private static string OutcomeText(PublishRefusal refusal) => refusal switch
    {
        PublishRefusal.None => "accepted",
        PublishRefusal.UnknownStreamKey => "unknown_stream_key",
        PublishRefusal.InsecureIngestNotAllowed => "insecure_ingest_not_allowed",
        PublishRefusal.AlreadyLive => "already_live",
        PublishRefusal.ConcurrentBroadcastsQuota => "concurrent_broadcasts_quota",
        PublishRefusal.NodeUnavailable => "node_unavailable",
        _ => "refused",
    };
}
