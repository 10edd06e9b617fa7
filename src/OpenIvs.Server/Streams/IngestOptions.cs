namespace OpenIvs.Server.Streams;

/// <summary>
/// Ingest rules (ivs-behavior.md sections 1.4, 2.1 and 9): input limits per channel type, the idle
/// disconnect, starvation detection, and session retention. Defaults are IVS's.
/// </summary>
public sealed class IngestOptions
{
    /// <summary>Maximum input bitrate of STANDARD and ADVANCED channels (bits/s).</summary>
    public long MaxBitrate { get; set; } = 8_500_000;

    /// <summary>Maximum input bitrate of BASIC channels above 480p (bits/s).</summary>
    public long BasicMaxBitrate { get; set; } = 3_500_000;

    /// <summary>Maximum input bitrate of BASIC channels at 480p or below (bits/s).</summary>
    public long BasicSdMaxBitrate { get; set; } = 1_500_000;

    /// <summary>Largest accepted picture (1080p): width times height.</summary>
    public long MaxPixels { get; set; } = 1920L * 1080;

    /// <summary>Longest accepted picture edge.</summary>
    public int MaxEdge { get; set; } = 1920;

    /// <summary>Whether breaching an input limit disconnects the publisher (IVS: "will probably disconnect").</summary>
    public bool DisconnectOnLimitBreach { get; set; } = true;

    /// <summary>
    /// A publisher that sends no media for this long is disconnected (IVS: 30 s). Also the RTMP connection's own
    /// silence limit (RtmpLimits.IdleTimeout), so a connection that never publishes is dropped after the same time.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Media missing for this long makes the stream STARVING (until media flows again).</summary>
    public TimeSpan StarvationThreshold { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long ended stream sessions are kept (IVS: 60 days).</summary>
    public TimeSpan SessionRetention { get; set; } = TimeSpan.FromDays(60);

    /// <summary>Longest broadcast (IVS: 48 h); then the stream is ended and a reconnect starts a new one.</summary>
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// How much of a publisher's media the kernel may gather before waking the server (the socket's receive
    /// low-water mark, sized from the stream's measured rate): fewer wake-ups per stream for at most this
    /// much added latency. Zero wakes for every byte.
    /// </summary>
    public TimeSpan ReceiveCoalescing { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// <see cref="ReceiveCoalescing"/> of LOW latency channels, default 0 (off): a frame's last bytes, below the mark,
    /// waited in the kernel for the next frame's, which made each LL-HLS part reach viewers 26 ms later (median,
    /// bench/playback parts); the 20 ms of <see cref="ReceiveCoalescing"/> then apply to NORMAL latency channels only.
    /// </summary>
    public TimeSpan LowLatencyReceiveCoalescing { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// SRT receiver latency (SRTO_LATENCY): how long the listener holds packets to recover losses. The larger of this
    /// and the encoder's own setting applies. Default 120 ms (libsrt's); range 20 ms to 8 s.
    /// </summary>
    public TimeSpan SrtLatency { get; set; } = TimeSpan.FromMilliseconds(120);

    public IEnumerable<string> Validate()
    {
        if (SrtLatency < TimeSpan.FromMilliseconds(20) || SrtLatency > TimeSpan.FromSeconds(8))
        {
            yield return "Ingest.SrtLatency must be from 20 ms to 8 s.";
        }

        if (ReceiveCoalescing < TimeSpan.Zero || ReceiveCoalescing > TimeSpan.FromMilliseconds(500)
            || LowLatencyReceiveCoalescing < TimeSpan.Zero || LowLatencyReceiveCoalescing > TimeSpan.FromMilliseconds(500))
        {
            yield return "Ingest.ReceiveCoalescing and Ingest.LowLatencyReceiveCoalescing must be from 0 to 500 ms.";
        }

        if (MaxBitrate < 100_000 || BasicMaxBitrate < 100_000 || BasicSdMaxBitrate < 100_000)
        {
            yield return "Ingest bitrate limits must be at least 100000 bits/s.";
        }

        if (MaxPixels < 64 * 64 || MaxEdge < 64)
        {
            yield return "Ingest resolution limits are too small.";
        }

        if (IdleTimeout < TimeSpan.FromSeconds(1) || IdleTimeout > TimeSpan.FromMinutes(10)
            || StarvationThreshold < TimeSpan.FromMilliseconds(200) || StarvationThreshold >= IdleTimeout)
        {
            yield return "Ingest.IdleTimeout must be from 1 s to 10 min and longer than StarvationThreshold (at least 200 ms).";
        }

        if (SessionRetention < TimeSpan.FromHours(1) || MaxStreamDuration < TimeSpan.FromMinutes(1))
        {
            yield return "Ingest.SessionRetention must be at least 1 h and MaxStreamDuration at least 1 min.";
        }
    }
}
