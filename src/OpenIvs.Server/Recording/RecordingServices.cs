using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>What every recording session uses: settings, the spool, the hub (for events), thumbnails, the clock and a logger.</summary>
internal sealed record RecordingServices(
    RecordingOptions Options, string Region, string Account, RecordingSpool Spool, IStreamHub Hub, Thumbnailer Thumbnailer,
    TimeProvider Time, ILogger Logger);
