using System.Diagnostics.Metrics;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Metrics of recording uploads (docs/monitoring.md): the objects (segments, playlists, thumbnails, metadata)
/// waiting in the spool for the destination, and their bytes, observed from the spool when a scrape asks.
/// They grow while S3 is slow or unreachable and fall to zero once it catches up.
/// </summary>
internal sealed class RecordingTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Recording";

    private readonly Meter? _meter;

    public RecordingTelemetry(IMeterFactory meters, RecordingSpool spool, bool metricsEnabled)
    {
        if (!metricsEnabled)
        {
            return;
        }

        _meter = meters.Create(Name);
        _meter.CreateObservableGauge(
            "openivs.recording.upload.backlog", () => spool.Recordings.Sum(r => (long)r.PendingCount), "{object}",
            "Recording objects in the spool waiting for upload to the destination.");
        _meter.CreateObservableGauge(
            "openivs.recording.upload.backlog_bytes", () => spool.Recordings.Sum(r => r.PendingBytes), unit: null,
            "Bytes of the recording objects waiting for upload.");
    }

    public void Dispose() => _meter?.Dispose();
}
