using System.Diagnostics.Metrics;

namespace OpenIvs.Server.Transcoding;

/// <summary>
/// Metrics of transcoding (docs/monitoring.md): the transcode slots there are and those in use (one per live
/// STANDARD or ADVANCED stream), observed from the transcoder when a scrape asks. A stream that finds every slot
/// in use is refused, so <c>in_use == slots</c> is the alarm.
/// </summary>
internal sealed class TranscodingTelemetry : IDisposable
{
    public const string Name = "OpenIvs.Transcoding";

    private readonly Meter? _meter;

    public TranscodingTelemetry(IMeterFactory meters, Transcoder transcoder, bool metricsEnabled)
    {
        if (!metricsEnabled)
        {
            return;
        }

        _meter = meters.Create(Name);
        _meter.CreateObservableUpDownCounter(
            "openivs.transcoder.slots.in_use", () => Math.Min(transcoder.InUse, transcoder.Slots), "{slot}", "Transcoder slots busy (one per transcoded live stream).");
        _meter.CreateObservableUpDownCounter(
            "openivs.transcoder.slots", () => transcoder.Slots, "{slot}", "Transcoder slots there are (--transcode-slots).");
    }

    public void Dispose() => _meter?.Dispose();
}
