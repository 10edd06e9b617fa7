using System.Buffers;

namespace OpenIvs.Media.Codecs.Hevc;

/// <summary>
/// The leading fields of an H.265 sequence parameter set: chroma format, the picture size after the conformance
/// window, and bit depths. (The VUI, which holds timing, sits behind the reference picture sets and is not parsed.)
/// </summary>
public sealed record HevcSequenceParameterSet(int ChromaFormatIdc, int Width, int Height, int BitDepthLuma, int BitDepthChroma)
{
    private const int MaxSpsLength = 8192;

    /// <summary>Parses an SPS NAL unit (starting with its 2-byte NAL header, emulation prevention bytes included).</summary>
    public static HevcSequenceParameterSet Parse(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 3)
        {
            MediaThrow.Truncated("H.265 SPS");
        }

        if (((nal[0] >> 1) & 0x3F) != 33)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"NAL unit type {(nal[0] >> 1) & 0x3F} is not an SPS.");
        }

        if (nal.Length > MaxSpsLength)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "H.265 SPS is implausibly large.");
        }

        var rented = ArrayPool<byte>.Shared.Rent(nal.Length);
        try
        {
            var length = Rbsp.Unescape(nal[2..], rented);
            return ParseRbsp(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static HevcSequenceParameterSet ParseRbsp(ReadOnlySpan<byte> rbsp)
    {
        var bits = new BitReader(rbsp);
        bits.SkipBits(4); // sps_video_parameter_set_id
        var maxSubLayersMinus1 = (int)bits.ReadBits(3);
        bits.SkipBits(1); // sps_temporal_id_nesting_flag

        // profile_tier_level(1, maxSubLayersMinus1)
        bits.SkipBits(88); // general profile space/tier/idc, compatibility flags, constraint flags
        bits.SkipBits(8); // general_level_idc
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            profilePresent[i] = bits.ReadBit();
            levelPresent[i] = bits.ReadBit();
        }

        if (maxSubLayersMinus1 > 0)
        {
            bits.SkipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
        }

        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            bits.SkipBits((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }

        bits.ReadUnsignedExpGolomb(15, "sps_seq_parameter_set_id");
        var chromaFormatIdc = bits.ReadUnsignedExpGolomb(3, "chroma_format_idc");
        var separateColourPlane = chromaFormatIdc == 3 && bits.ReadBit();
        var width = bits.ReadUnsignedExpGolomb(16888, "pic_width_in_luma_samples");
        var height = bits.ReadUnsignedExpGolomb(16888, "pic_height_in_luma_samples");
        if (bits.ReadBit())
        {
            var chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
            var subWidthC = chromaArrayType is 1 or 2 ? 2 : 1;
            var subHeightC = chromaArrayType == 1 ? 2 : 1;
            var left = bits.ReadUnsignedExpGolomb(8192, "conf_win_left_offset");
            var right = bits.ReadUnsignedExpGolomb(8192, "conf_win_right_offset");
            var top = bits.ReadUnsignedExpGolomb(8192, "conf_win_top_offset");
            var bottom = bits.ReadUnsignedExpGolomb(8192, "conf_win_bottom_offset");
            width -= subWidthC * (left + right);
            height -= subHeightC * (top + bottom);
        }

        if (width <= 0 || height <= 0)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "H.265 SPS conformance window leaves no picture.");
        }

        var bitDepthLuma = 8 + bits.ReadUnsignedExpGolomb(8, "bit_depth_luma_minus8");
        var bitDepthChroma = 8 + bits.ReadUnsignedExpGolomb(8, "bit_depth_chroma_minus8");
        return new HevcSequenceParameterSet(chromaFormatIdc, width, height, bitDepthLuma, bitDepthChroma);
    }
}
