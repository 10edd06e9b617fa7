namespace OpenIvs.Server.Recording;

/// <summary>What every recording session uses: settings, the spool, events, thumbnails, the clock and a logger.</summary>
internal sealed record RecordingServices(
    RecordingOptions Options, string Region, string Account, RecordingSpool Spool, IRecordingEvents Events, Thumbnailer Thumbnailer,
    TimeProvider Time, ILogger Logger);
