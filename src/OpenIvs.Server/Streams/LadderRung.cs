namespace OpenIvs.Server.Streams;

/// <summary>
/// One rendition of a channel's adaptive-bitrate ladder (docs/transcoding.md): the source passed through, a
/// transcoded picture, or audio only.
/// </summary>
/// <param name="Name">IVS's rendition name, <c>&lt;height&gt;p&lt;fps&gt;</c> (e.g. <c>480p30</c>), or <c>audio_only</c>.</param>
/// <param name="Width">Picture width in pixels (0 for audio only).</param>
/// <param name="Height">Picture height in pixels (0 for audio only).</param>
/// <param name="FrameRate">The frame rate the rung is encoded at (never above the source's).</param>
/// <param name="VideoBitrate">Target video bits per second; 0 for the source rung and audio only.</param>
/// <param name="AudioBitrate">AAC bits per second, or null when the source's audio passes through unchanged.</param>
/// <param name="Kind">Source passthrough, transcoded picture, or audio only.</param>
public sealed record LadderRung(string Name, int Width, int Height, double FrameRate, int VideoBitrate, int? AudioBitrate, RungKind Kind)
{
    /// <summary>The bits per second a player should budget: the nominal video and audio rates (128 kbps for passed-through audio).</summary>
    public long NominalBandwidth => VideoBitrate + (AudioBitrate ?? 128_000);

    /// <summary>The short edge of the picture (the resolution class a playback token limits).</summary>
    public int ShortEdge => Math.Min(Width, Height);
}
