using System.Diagnostics;

namespace OpenIvs.Server.Telemetry;

/// <summary>Starts the server span of an HTTP request as a child of the caller's <c>traceparent</c>, or as a new trace.</summary>
internal static class ServerSpans
{
    public static Activity? Start(ActivitySource source, string name, HttpRequest request)
    {
        ActivityContext.TryParse(request.Headers.TraceParent, request.Headers.TraceState, isRemote: true, out var parent);

        // ASP.NET Core's own request activity is current here, but nobody exports it: a span parented to it
        // would point at a span no collector ever sees. Parent to the caller's context only.
        Activity.Current = null;
        return source.StartActivity(name, ActivityKind.Server, parent);
    }
}
