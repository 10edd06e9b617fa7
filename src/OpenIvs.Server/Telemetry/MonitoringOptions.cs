namespace OpenIvs.Server.Telemetry;

/// <summary>
/// How OpenIVS is watched over (README "Monitoring"): Prometheus metrics, OTLP traces and the log format.
/// Everything is off by default, so an unmonitored server pays nothing for it.
/// </summary>
public sealed class MonitoringOptions
{
    /// <summary><c>HOST:PORT</c> of a listener that serves only <c>GET /metrics</c>; empty: no such listener.</summary>
    public string MetricsListen { get; set; } = string.Empty;

    /// <summary>Also serve <c>/metrics</c> on the public HTTP listener (off: metrics stay on a port you choose not to expose).</summary>
    public bool MetricsOnHttp { get; set; }

    /// <summary>
    /// OTLP/HTTP (protobuf) collector that receives traces, such as <c>http://127.0.0.1:4318</c>; <c>/v1/traces</c>
    /// is added when the URL has no path. Empty: no tracing.
    /// </summary>
    public string OtlpEndpoint { get; set; } = string.Empty;

    /// <summary>
    /// Share of requests that start a trace (0-1). A caller's sampled <c>traceparent</c> is always followed.
    /// Default 0.1: a traced request costs about 3 µs of CPU (a quarter of a GetChannel), so tracing every
    /// request is for debugging (set 1), not for a busy server (docs/benchmarks.md).
    /// </summary>
    public double TraceSampleRatio { get; set; } = 0.1;

    /// <summary><c>text</c> (default): one readable line per event; <c>json</c>: JSON lines with scopes (request id, channel id) as fields.</summary>
    public string LogFormat { get; set; } = "text";

    public bool MetricsEnabled => MetricsOnHttp || MetricsListen.Length > 0;

    public bool TracingEnabled => OtlpEndpoint.Length > 0;

    public bool JsonLogs => LogFormat == "json";

    /// <summary>The collector's traces URL (<c>/v1/traces</c> added to a bare base URL).</summary>
    public Uri? TracesUri =>
        OtlpEndpoint.Length == 0 ? null
        : new Uri(OtlpEndpoint).AbsolutePath == "/" ? new Uri(new Uri(OtlpEndpoint), "v1/traces")
        : new Uri(OtlpEndpoint);

    public IEnumerable<string> Validate(string http)
    {
        if (MetricsListen.Length > 0)
        {
            if (!Resources.ListenAddress.TryParse(MetricsListen, out var metrics))
            {
                yield return $"Monitoring.MetricsListen '{MetricsListen}' is not HOST:PORT (an IP address and a port).";
            }
            else if (Resources.ListenAddress.TryParse(http, out var api) && api.Port == metrics.Port)
            {
                yield return $"Monitoring.MetricsListen '{MetricsListen}' must use another port than the HTTP listener (or set MetricsOnHttp).";
            }
        }

        if (OtlpEndpoint.Length > 0
            && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var otlp) || otlp.Scheme is not ("http" or "https")))
        {
            yield return $"Monitoring.OtlpEndpoint '{OtlpEndpoint}' must be an http(s) URL of an OTLP/HTTP collector.";
        }

        if (TraceSampleRatio is < 0 or > 1 || double.IsNaN(TraceSampleRatio))
        {
            yield return $"Monitoring.TraceSampleRatio {TraceSampleRatio} must be between 0 and 1.";
        }

        if (LogFormat is not ("text" or "json"))
        {
            yield return $"Monitoring.LogFormat '{LogFormat}' must be text or json.";
        }
    }
}
