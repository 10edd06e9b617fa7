namespace OpenIvs.Media.Frames;

/// <summary>Video codecs recognised at ingest (legacy FLV AVC, and Enhanced RTMP FourCCs).</summary>
public enum VideoCodec : byte
{
    Avc,
    Hevc,
    Av1,
}

/// <summary>
/// What a live stream's video track is, read from its decoder configuration record (avcC/hvcC/av1C) and SPS.
/// </summary>
/// <param name="Codec">The codec.</param>
/// <param name="CodecString">RFC 6381 string, e.g. <c>avc1.64001F</c>.</param>
/// <param name="Profile">Profile name, e.g. <c>High</c>.</param>
/// <param name="Level">Level, e.g. <c>3.1</c>.</param>
/// <param name="Width">Coded width after cropping, in pixels.</param>
/// <param name="Height">Coded height after cropping, in pixels.</param>
/// <param name="FrameRate">Frame rate from the bitstream's timing info, when it carries one.</param>
/// <param name="DecoderConfiguration">The decoder configuration record as received (avcC/hvcC/av1C body).</param>
public sealed record VideoTrackInfo(
    VideoCodec Codec,
    string CodecString,
    string Profile,
    string Level,
    int Width,
    int Height,
    double? FrameRate,
    byte[] DecoderConfiguration);
