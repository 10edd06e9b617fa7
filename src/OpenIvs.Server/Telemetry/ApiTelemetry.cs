using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// Metrics and traces of the IVS API (docs/monitoring.md): requests by operation and status, their
/// latency, SigV4 refusals by reason, and one server span per call carrying the request id. Labels and
/// attributes hold operation names, status codes and ids only: never a key, signature or body.
/// </summary>
public sealed class ApiTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Api";

    /// <summary>Latency buckets in seconds: from a cached read (sub-millisecond) to a slow durable write.</summary>
    internal static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Boxed once: a span's status code attribute allocates nothing for the statuses the API answers with.
    private static readonly object[] BoxedStatuses = [.. Enumerable.Range(0, 600).Select(s => (object)s)];

    // Null when metrics are off: nothing is measured, and no Meter exists for a listener to find.
    private readonly Meter? _meter;
    private readonly Histogram<double>? _duration;

    // Requests are counted here (one lookup and an interlocked add per call) and read when Prometheus scrapes:
    // cheaper on the request path than a Counter measurement with two tags, which OpenTelemetry aggregates per call.
    private readonly ConcurrentDictionary<(string Operation, int Status), StrongBox<long>>? _requests;
    private readonly Counter<long>? _sigV4Failures;

    private readonly ServerSpans _spans;

    public ApiTelemetry(IMeterFactory meters, ServerSpans spans, MonitoringOptions options)
    {
        _spans = spans;
        Source = spans.CreateSource(Name);
        _meter = options.MetricsEnabled ? meters.Create(Name) : null;
        if (_meter is not null)
        {
            _requests = new();
            _meter.CreateObservableCounter("openivs.api.requests", ObserveRequests, "{request}", "API requests by operation and HTTP status.");
        }

        _duration = _meter?.CreateHistogram(
            "openivs.api.request.duration", "s", "API request latency, from the first byte read to the answer written.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _sigV4Failures = _meter?.CreateCounter<long>("openivs.api.sigv4.failures", "{request}", "API requests refused by SigV4 verification, by reason.");
    }

    /// <summary>Null when tracing is off.</summary>
    public ActivitySource? Source { get; }

    /// <summary>
    /// Starts the span of one API call (null when nobody traces), as a child of the caller's
    /// <c>traceparent</c> when it sent one.
    /// </summary>
    public Activity? StartRequest(HttpRequest request, string operation, string requestId)
    {
        var activity = Source is null ? null : _spans.Start(Source, operation, request);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.service", "ivs");
            activity.SetTag("rpc.method", operation);
            activity.SetTag("aws.request_id", requestId);
        }

        return activity;
    }

    /// <summary>Counts a finished call and closes its span. <paramref name="errorCode"/> is the error type, if any.</summary>
    public void RequestEnded(Activity? activity, string operation, int status, string? errorCode, TimeSpan elapsed)
    {
        if (_requests is not null && _duration is not null)
        {
            Interlocked.Increment(ref _requests.GetOrAdd((operation, status), static _ => new StrongBox<long>()).Value);
            _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }

        if (activity is not null)
        {
            activity.SetTag("http.response.status_code", (uint)status < BoxedStatuses.Length ? BoxedStatuses[status] : status);
            if (errorCode is not null)
            {
                activity.SetTag("aws.error_code", errorCode);
                activity.SetStatus(status >= 500 ? ActivityStatusCode.Error : ActivityStatusCode.Unset);
            }

            activity.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObserveRequests()
    {
        foreach (var ((operation, status), count) in _requests!)
        {
            yield return new Measurement<long>(
                Volatile.Read(ref count.Value), new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("status", StatusText(status)));
        }
    }

    internal void SigV4Failed(SigV4Failure reason)
    {
        _sigV4Failures?.Add(1, new KeyValuePair<string, object?>("reason", ReasonText(reason)));
    }

    public void Dispose()
    {
        Source?.Dispose();
        _meter?.Dispose();
    }

    // Labels as strings without allocating per request for the statuses the API answers with.
    internal static string StatusText(int status) => status switch
    {
        200 => "200",
        202 => "202",
        204 => "204",
        400 => "400",
        402 => "402",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        429 => "429",
        499 => "499",
        500 => "500",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ReasonText(SigV4Failure reason) => reason switch
    {
        SigV4Failure.MissingAuthentication => "missing_authentication",
        SigV4Failure.Incomplete => "incomplete",
        SigV4Failure.UnknownKey => "unknown_key",
        SigV4Failure.WrongScope => "wrong_scope",
        SigV4Failure.Skewed => "skewed",
        SigV4Failure.Expired => "expired",
        SigV4Failure.ExpiredToken => "expired_token",
        SigV4Failure.PayloadHashMismatch => "payload_hash_mismatch",
        SigV4Failure.SignatureMismatch => "signature_mismatch",
        _ => "other",
    };
}
