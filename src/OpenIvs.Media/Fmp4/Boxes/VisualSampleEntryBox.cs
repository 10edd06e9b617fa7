using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// A VisualSampleEntry (ISO/IEC 14496-12 §12.1.3) followed by the codec's configuration box: <c>avc1</c> +
/// <c>avcC</c> (ISO/IEC 14496-15 §5.4.2, body = the AVCDecoderConfigurationRecord as received), and the same
/// shape for <c>hvc1</c> + <c>hvcC</c> (§8.4.1) and <c>av01</c> + <c>av1C</c>.
/// </summary>
/// <remarks>
/// <c>avc1</c>/<c>hvc1</c> (not <c>avc3</c>/<c>hev1</c>) say parameter sets live in the sample entry; ingest
/// repeats them in-band too, which both entry types allow decoders to ignore.
/// </remarks>
internal static class VisualSampleEntryBox
{
    private const int FixedSize = 86;

    public static int GetSize(VideoTrackInfo video) => FixedSize + 8 + video.DecoderConfiguration.Length;

    public static void Write(ref BoxWriter writer, VideoTrackInfo video)
    {
        var fourCc = video.Codec switch
        {
            VideoCodec.Avc => "avc1avcC"u8,
            VideoCodec.Hevc => "hvc1hvcC"u8,
            VideoCodec.Av1 => "av01av1C"u8,
            _ => throw new NotSupportedException($"Video codec {video.Codec} has no fMP4 sample entry."),
        };
        var entryType = fourCc[..4];
        var configType = fourCc[4..];

        var entry = writer.BeginBox(entryType);
        writer.WriteZeros(6); // reserved
        writer.WriteUInt16(1); // data_reference_index
        writer.WriteUInt16(0); // pre_defined
        writer.WriteUInt16(0); // reserved
        writer.WriteZeros(12); // pre_defined
        writer.WriteUInt16((ushort)video.Width);
        writer.WriteUInt16((ushort)video.Height);
        writer.WriteUInt32(0x00480000); // horizresolution 72 dpi
        writer.WriteUInt32(0x00480000); // vertresolution 72 dpi
        writer.WriteUInt32(0); // reserved
        writer.WriteUInt16(1); // frame_count
        writer.WriteZeros(32); // compressorname (empty Pascal string)
        writer.WriteUInt16(0x0018); // depth: colour, no alpha
        writer.WriteUInt16(0xFFFF); // pre_defined = -1

        var config = writer.BeginBox(configType);
        writer.WriteBytes(video.DecoderConfiguration);
        writer.EndBox(config);
        writer.EndBox(entry);
    }
}
