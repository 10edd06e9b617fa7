using System.Diagnostics;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// Starts server spans: as a child of the caller's sampled <c>traceparent</c>, or as a new trace for a
/// <see cref="SampleRatio"/> share of requests. The decision comes first, so an unsampled request creates no
/// Activity at all (OpenTelemetry's own sampler would still create one to carry the context). ASP.NET Core's
/// hosting would create one per request too, for its request logging scope alone, whenever its diagnostics
/// category can log: OpenIvsServer turns that category (Information-level request lines only) off, so a request
/// pays for no Activity nobody exports, and log lines carry a TraceId only inside an exported span.
/// </summary>
public sealed class ServerSpans(MonitoringOptions options)
{
    public double SampleRatio { get; } = options.TraceSampleRatio;

    /// <summary>
    /// A component's ActivitySource, or null when tracing is off: then no source exists for a listener to find
    /// (an in-process test server with tracing on must not trace its neighbours either).
    /// </summary>
    public ActivitySource? CreateSource(string name) => options.TracingEnabled ? new ActivitySource(name) : null;

    public Activity? Start(ActivitySource source, string name, HttpRequest request)
    {
        if (!source.HasListeners())
        {
            return null;
        }

        // Most requests carry no traceparent: then only the coin is tossed (tracestate is read only with a traceparent).
        var traceParent = request.Headers.TraceParent;
        if (traceParent.Count > 0 && ActivityContext.TryParse(traceParent, request.Headers.TraceState, isRemote: true, out var parent))
        {
            return (parent.TraceFlags & ActivityTraceFlags.Recorded) == 0 ? null : source.StartActivity(name, ActivityKind.Server, parent);
        }

        return StartRoot(source, name);
    }

    /// <summary>A new trace (sampled by <see cref="SampleRatio"/>), never a child of the current activity.</summary>
    public Activity? StartRoot(ActivitySource source, string name)
    {
        if (!source.HasListeners() || (SampleRatio < 1 && Random.Shared.NextDouble() >= SampleRatio))
        {
            return null;
        }

        // ASP.NET Core's own request activity is current here, but nobody exports it: a span parented to it would
        // point at a span no collector sees. A parent context with a new trace id and no span id starts a root span.
        return source.StartActivity(name, ActivityKind.Server, new ActivityContext(ActivityTraceId.CreateRandom(), default, ActivityTraceFlags.Recorded));
    }
}
