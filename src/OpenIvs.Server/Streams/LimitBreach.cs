using System.Globalization;

namespace OpenIvs.Server.Streams;

/// <summary>An IVS limit exceeded (ivs-behavior.md section 4.3): its name, value, unit and the excess.</summary>
public sealed record LimitBreach(string Name, long Limit, long ExceededBy, string Unit)
{
    public static LimitBreach IngestBitrate(long limit, long measured) => new("Ingest Bitrate", limit, measured - limit, "bits per second");

    public static LimitBreach IngestResolutionPixels(long limit, long pixels) => new("Ingest Resolution", limit, pixels - limit, "total pixels");

    public static LimitBreach IngestResolutionEdge(long limit, long edge) => new("Ingest Resolution", limit, edge - limit, "pixels per edge");

    public static LimitBreach ConcurrentBroadcasts(long limit, long attempted) => new("Concurrent Broadcasts", limit, attempted - limit, "active streams");

    /// <summary>Account-level, as IVS reports it (no channel in the event).</summary>
    public static LimitBreach ConcurrentViewers(long limit, long attempted) => new("Concurrent Viewers", limit, attempted - limit, "viewers");

    /// <summary>For logs and end reasons, e.g. "Ingest Bitrate 9100000 bits per second, 5600000 over the limit of 3500000".</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} limit breached: {Limit + ExceededBy} {Unit}, {ExceededBy} over the limit of {Limit}");
}
