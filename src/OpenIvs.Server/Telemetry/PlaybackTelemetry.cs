using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// Metrics and traces of HLS playback (docs/monitoring.md): requests by kind (multivariant, playlist,
/// segment, part, init) and status, bytes served, and how long each took (for a part: its delivery time,
/// including the wait for a preload-hinted part to exist). Wraps the origin only when monitoring is on.
/// Playback tokens and session ids stay out of labels and attributes: only the channel id and kind go in.
/// </summary>
public sealed class PlaybackTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Playback";

    private static readonly double[] DurationBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 4, 8];

    private readonly Meter? _meter;
    private readonly Counter<long>? _requests;
    private readonly Counter<long>? _bytes;
    private readonly Histogram<double>? _duration;
    private readonly ILogger _logger;
    private readonly bool _scopes;

    private readonly ServerSpans _spans;

    public PlaybackTelemetry(IMeterFactory meters, ServerSpans spans, MonitoringOptions options, ILogger<PlaybackTelemetry> logger)
    {
        _spans = spans;
        Source = spans.CreateSource(Name);
        _meter = options.MetricsEnabled ? meters.Create(Name) : null;
        _requests = _meter?.CreateCounter<long>("openivs.playback.requests", "{request}", "Playback requests by kind and HTTP status.");
        _bytes = _meter?.CreateCounter<long>("openivs.playback.sent", "By", "Playback bytes sent, by kind.");
        _duration = _meter?.CreateHistogram(
            "openivs.playback.request.duration", "s", "Playback request time by kind; for parts, the part delivery time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _logger = logger;
        _scopes = options.JsonLogs;
        Enabled = options.MetricsEnabled || options.TracingEnabled || _scopes;
    }

    /// <summary>Whether playback requests go through <see cref="HandleAsync"/> (any monitoring on).</summary>
    public bool Enabled { get; }

    /// <summary>Null when tracing is off.</summary>
    public ActivitySource? Source { get; }

    /// <summary>Runs <paramref name="origin"/> for one playback request, measured, traced and scoped.</summary>
    public async Task HandleAsync(HttpContext context, Func<HttpContext, Task> origin)
    {
        var started = Stopwatch.GetTimestamp();
        var path = context.Request.Path.Value ?? string.Empty;
        var kind = KindOf(path);
        var channelId = ChannelIdOf(path);
        using var activity = Source is null ? null : _spans.Start(Source, "playback " + kind, context.Request);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("openivs.playback.kind", kind);
            activity.SetTag("openivs.channel_id", channelId);
        }

        using var scope = _scopes ? _logger.BeginScope(new RequestScope(channelId: channelId)) : null;
        try
        {
            await origin(context).ConfigureAwait(false);
        }
        finally
        {
            var status = context.Response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            if (_requests is not null && _bytes is not null && _duration is not null)
            {
                _requests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("status", ApiTelemetry.StatusText(status)));
                _bytes.Add(context.Response.ContentLength ?? 0, new KeyValuePair<string, object?>("kind", kind));
                _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("kind", kind));
            }
        }
    }

    public void Dispose()
    {
        Source?.Dispose();
        _meter?.Dispose();
    }

    /// <summary>What a playback path asks for, from its last part (see HlsOrigin for the URL shapes).</summary>
    internal static string KindOf(string path)
    {
        var name = path.AsSpan(path.LastIndexOf('/') + 1);
        return name switch
        {
            "index.m3u8" => "playlist",
            _ when name.EndsWith(".m3u8") => "multivariant",
            _ when name.StartsWith("part") => "part",
            _ when name.StartsWith("seg") => "segment",
            _ when name.StartsWith("init") => "init",
            _ => "other",
        };
    }

    /// <summary>The channel id from <c>/api/video/v1/{region}.{account}.channel.{id}[.m3u8|/...]</c>; "-" when absent.</summary>
    internal static string ChannelIdOf(string path)
    {
        const string marker = ".channel.";
        var at = path.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return "-";
        }

        var id = path.AsSpan(at + marker.Length);
        var end = id.IndexOfAny('/', '.');
        return (end < 0 ? id : id[..end]).ToString();
    }
}
