namespace OpenIvs.Media.MpegTs;

/// <summary>
/// Limits for one <see cref="TsDemuxer"/>, with documented defaults. A PES packet that would grow past
/// <see cref="MaxPesLength"/> is dropped before its bytes are buffered (and video then waits for the next keyframe).
/// </summary>
public sealed class TsDemuxerLimits
{
    /// <summary>
    /// Largest PES packet (one access unit) buffered. Default 4 MiB (a 1080p60 keyframe at 8.5 Mbps is well under
    /// 2 MiB, the same bound as RTMP's largest message); range 64 KiB..64 MiB.
    /// </summary>
    public int MaxPesLength
    {
        get;
        set => field = value is >= 64 * 1024 and <= 64 * 1024 * 1024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxPesLength must be 64 KiB..64 MiB.");
    } = 4 * 1024 * 1024;
}
