using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Events;

/// <summary>
/// Metrics of event delivery (docs/monitoring.md): events handed to each sink by outcome, the lag from an event's
/// time to its delivery, and each sink's backlog (outbox events after its cursor). The <c>sink</c> label is the
/// sink's cursor name (<c>webhook:</c> and a hash of the URL, or <c>eventbridge:host/bus</c>): never a URL that
/// could carry a credential, never a webhook secret.
/// </summary>
public sealed class EventsTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Events";

    private static readonly double[] LagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

    private readonly Meter? _meter;
    private readonly Counter<long>? _delivered;
    private readonly Histogram<double>? _lag;
    private readonly IStateStore _store;
    private readonly ConcurrentDictionary<string, long> _cursors = new(StringComparer.Ordinal);

    public EventsTelemetry(IMeterFactory meters, IStateStore store, bool metricsEnabled)
    {
        _store = store;
        if (!metricsEnabled)
        {
            return; // no Meter: nothing counted
        }

        _meter = meters.Create(Name);
        _delivered = _meter.CreateCounter<long>(
            "openivs.events.delivered", "{event}", "Events handed to a sink, by outcome: delivered, refused (parked at once), failed (one per failed attempt), parked.");
        _lag = _meter.CreateHistogram(
            "openivs.events.delivery.lag", "s", "From an event's time to its acknowledged delivery to the sink.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        _meter.CreateObservableGauge("openivs.events.backlog", ObserveBacklog, "{event}", "Outbox events the sink has not delivered yet.");
    }

    /// <summary>The sink's cursor moved (or was read at start): its backlog is counted from here.</summary>
    public void CursorAt(string sink, long position)
    {
        if (_meter is not null)
        {
            _cursors[sink] = position;
        }
    }

    /// <summary>One event delivered: counted, and its lag recorded.</summary>
    public void Delivered(string sink, TimeSpan lag)
    {
        if (_delivered is not null && _lag is not null)
        {
            var label = new KeyValuePair<string, object?>("sink", sink);
            _delivered.Add(1, label, new KeyValuePair<string, object?>("outcome", "delivered"));
            _lag.Record(Math.Max(0, lag.TotalSeconds), label);
        }
    }

    /// <summary>Counts events that were not delivered: <c>refused</c>, <c>failed</c> or <c>parked</c>.</summary>
    public void NotDelivered(string sink, string outcome) =>
        _delivered?.Add(1, new KeyValuePair<string, object?>("sink", sink), new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _meter?.Dispose();

    private IEnumerable<Measurement<long>> ObserveBacklog()
    {
        var last = _store.Outbox.LastPosition;
        foreach (var (sink, cursor) in _cursors)
        {
            yield return new Measurement<long>(Math.Max(0, last - cursor), new KeyValuePair<string, object?>("sink", sink));
        }
    }
}
