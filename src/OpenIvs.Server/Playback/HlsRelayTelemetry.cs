using System.Diagnostics.Metrics;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Metrics of relayed playback (docs/monitoring.md, docs/playback.md): requests this node sent to the nodes holding
/// streams and viewer requests it answered from them, by kind (multivariant, playlist, part, segment, init). Their
/// ratio for parts is the fan-out: one upstream request per part however many viewers wait for it.
/// </summary>
internal sealed class HlsRelayTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Playback.Relay";

    private readonly Meter? _meter;

    public HlsRelayTelemetry(IMeterFactory meters, HlsRelay relay, bool metricsEnabled)
    {
        if (!metricsEnabled)
        {
            return;
        }

        _meter = meters.Create(Name);
        _meter.CreateObservableCounter(
            "openivs.playback.relay.upstream_requests", () => Measure(relay.UpstreamRequests), "{request}",
            "Requests sent to the node holding a relayed stream, by kind.");
        _meter.CreateObservableCounter(
            "openivs.playback.relay.viewer_requests", () => Measure(relay.ServedRequests), "{request}",
            "Viewer requests of relayed streams answered by this node, by kind.");
        _meter.CreateObservableGauge("openivs.playback.relay.streams", () => relay.StreamCount, "{stream}", "Streams this node relays now.");
        _meter.CreateObservableGauge("openivs.playback.relay.cached_bytes", () => relay.CachedBytes, unit: null, "Bytes of relayed parts, segments and playlists held now.");
    }

    private static IEnumerable<Measurement<long>> Measure(IEnumerable<(string Kind, long Count)> counts) =>
        counts.Select(c => new Measurement<long>(c.Count, new KeyValuePair<string, object?>("kind", c.Kind)));

    public void Dispose() => _meter?.Dispose();
}
