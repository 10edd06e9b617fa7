namespace OpenIvs.Server.Transcoding;

/// <summary>
/// Adaptive-bitrate transcoding of STANDARD and ADVANCED channels with ffmpeg (docs/transcoding.md).
/// </summary>
public sealed class TranscodingOptions
{
    /// <summary>
    /// CPU cores one transcoded stream takes at real time in the heaviest common case (a 1080p30 STANDARD ladder,
    /// x264 veryfast), measured with bench/transcode; the default slot count divides the machine's cores by it.
    /// </summary>
    public const double CoresPerStream = 1.0;

    /// <summary>Transcode (default). Off: every channel serves its source rendition only, as BASIC does (not IVS's behaviour).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many streams may be transcoded at once; a stream beyond it fails with "Transcode capacity exceeded".
    /// 0 (default): the machine's cores divided by <see cref="CoresPerStream"/>, at least one.
    /// </summary>
    public int Slots { get; set; }

    /// <summary>The ffmpeg executable (with libx264 and the native AAC encoder).</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>x264 preset of the transcoded rungs (speed against quality per bit).</summary>
    public string X264Preset { get; set; } = "veryfast";

    /// <summary>Scheduling niceness of the ffmpeg processes (0-19): above 0 they yield to ingest and playback.</summary>
    public int Niceness { get; set; }

    /// <summary>How far the transcoded renditions may trail the source before the transcoder counts as behind real time.</summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Restarts of a stream's ffmpeg after failures before its transcoded renditions end (the source plays on).</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>The slot count in effect.</summary>
    public int EffectiveSlots => Slots > 0 ? Slots : Math.Max(1, (int)(Environment.ProcessorCount / CoresPerStream));

    public IEnumerable<string> Validate()
    {
        if (Slots < 0)
        {
            yield return "Transcoding.Slots must be 0 (measured default) or more.";
        }

        if (Niceness is < 0 or > 19)
        {
            yield return "Transcoding.Niceness must be between 0 and 19.";
        }

        if (MaxLag < TimeSpan.FromSeconds(1))
        {
            yield return "Transcoding.MaxLag must be at least 1 s.";
        }

        if (MaxRestarts < 0)
        {
            yield return "Transcoding.MaxRestarts must be 0 or more.";
        }

        if (string.IsNullOrWhiteSpace(Ffmpeg) || string.IsNullOrWhiteSpace(X264Preset) || X264Preset.Any(c => !char.IsAsciiLetterLower(c)))
        {
            yield return "Transcoding.Ffmpeg and Transcoding.X264Preset must be set (the preset is an x264 preset name such as veryfast).";
        }
    }
}
