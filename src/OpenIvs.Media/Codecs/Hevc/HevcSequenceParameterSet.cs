namespace OpenIvs.Media.Codecs.Hevc;

/// <summary>
/// What an H.265 sequence parameter set says about a stream: chroma format, the picture size after the conformance
/// window, bit depths and, from the VUI, the frame rate.
/// </summary>
/// <remarks>
/// The VUI sits behind the scaling lists, short-term reference picture sets and long-term pictures, which are walked
/// to reach it. If that tail is malformed the size is still reported and <see cref="FrameRate"/> is <c>null</c>.
/// </remarks>
public sealed record HevcSequenceParameterSet(int ChromaFormatIdc, int Width, int Height, int BitDepthLuma, int BitDepthChroma, double? FrameRate)
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

        return Rbsp.Parse(nal, headerLength: 2, ParseRbsp);
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
        double? frameRate;
        try
        {
            frameRate = ReadFrameRate(ref bits, maxSubLayersMinus1);
        }
        catch (MediaFormatException)
        {
            frameRate = null;
        }

        return new HevcSequenceParameterSet(chromaFormatIdc, width, height, bitDepthLuma, bitDepthChroma, frameRate);
    }

    private static double? ReadFrameRate(ref BitReader bits, int maxSubLayersMinus1)
    {
        var log2MaxPocLsb = bits.ReadUnsignedExpGolomb(12, "log2_max_pic_order_cnt_lsb_minus4") + 4;
        var orderingInfoPresent = bits.ReadBit();
        for (var i = orderingInfoPresent ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++)
        {
            bits.ReadUnsignedExpGolomb(); // sps_max_dec_pic_buffering_minus1
            bits.ReadUnsignedExpGolomb(); // sps_max_num_reorder_pics
            bits.ReadUnsignedExpGolomb(); // sps_max_latency_increase_plus1
        }

        for (var i = 0; i < 6; i++)
        {
            bits.ReadUnsignedExpGolomb(); // coding/transform block sizes, transform hierarchy depths
        }

        if (bits.ReadBit() && bits.ReadBit())
        {
            SkipScalingListData(ref bits); // scaling_list_enabled_flag && sps_scaling_list_data_present_flag
        }

        bits.SkipBits(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
        if (bits.ReadBit())
        {
            bits.SkipBits(8); // pcm sample bit depths
            bits.ReadUnsignedExpGolomb();
            bits.ReadUnsignedExpGolomb();
            bits.SkipBits(1);
        }

        var setCount = bits.ReadUnsignedExpGolomb(64, "num_short_term_ref_pic_sets");
        Span<int> deltaPocs = stackalloc int[64];
        for (var i = 0; i < setCount; i++)
        {
            deltaPocs[i] = SkipShortTermRefPicSet(ref bits, i, deltaPocs);
        }

        if (bits.ReadBit())
        {
            var longTermCount = bits.ReadUnsignedExpGolomb(32, "num_long_term_ref_pics_sps");
            for (var i = 0; i < longTermCount; i++)
            {
                bits.SkipBits(log2MaxPocLsb + 1); // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
            }
        }

        bits.SkipBits(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
        if (!bits.ReadBit())
        {
            return null; // no VUI
        }

        if (bits.ReadBit() && bits.ReadBits(8) == 255)
        {
            bits.SkipBits(32); // sar_width, sar_height
        }

        if (bits.ReadBit())
        {
            bits.SkipBits(1); // overscan_appropriate_flag
        }

        if (bits.ReadBit())
        {
            bits.SkipBits(4);
            if (bits.ReadBit())
            {
                bits.SkipBits(24);
            }
        }

        if (bits.ReadBit())
        {
            bits.ReadUnsignedExpGolomb();
            bits.ReadUnsignedExpGolomb();
        }

        bits.SkipBits(3); // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
        if (bits.ReadBit())
        {
            for (var i = 0; i < 4; i++)
            {
                bits.ReadUnsignedExpGolomb(); // default display window offsets
            }
        }

        if (!bits.ReadBit())
        {
            return null;
        }

        var numUnitsInTick = bits.ReadBits(32);
        var timeScale = bits.ReadBits(32);
        return numUnitsInTick > 0 && timeScale > 0 ? (double)timeScale / numUnitsInTick : null;
    }

    private static void SkipScalingListData(ref BitReader bits)
    {
        for (var sizeId = 0; sizeId < 4; sizeId++)
        {
            for (var matrixId = 0; matrixId < 6; matrixId += sizeId == 3 ? 3 : 1)
            {
                if (!bits.ReadBit())
                {
                    bits.ReadUnsignedExpGolomb(); // scaling_list_pred_matrix_id_delta
                    continue;
                }

                var coefficients = Math.Min(64, 1 << (4 + (sizeId << 1)));
                if (sizeId > 1)
                {
                    bits.ReadSignedExpGolomb(); // scaling_list_dc_coef_minus8
                }

                for (var i = 0; i < coefficients; i++)
                {
                    bits.ReadSignedExpGolomb(); // scaling_list_delta_coef
                }
            }
        }
    }

    /// <summary>Skips st_ref_pic_set(index) and returns its NumDeltaPocs.</summary>
    private static int SkipShortTermRefPicSet(ref BitReader bits, int index, scoped ReadOnlySpan<int> deltaPocs)
    {
        if (index != 0 && bits.ReadBit())
        {
            // inter_ref_pic_set_prediction_flag: predicted from the previous set (delta_idx is 1 inside an SPS).
            bits.SkipBits(1); // delta_rps_sign
            bits.ReadUnsignedExpGolomb(); // abs_delta_rps_minus1
            var count = 0;
            for (var j = 0; j <= deltaPocs[index - 1]; j++)
            {
                var used = bits.ReadBit();
                if (used || bits.ReadBit())
                {
                    count++;
                }
            }

            return count;
        }

        var negative = bits.ReadUnsignedExpGolomb(16, "num_negative_pics");
        var positive = bits.ReadUnsignedExpGolomb(16, "num_positive_pics");
        for (var i = 0; i < negative + positive; i++)
        {
            bits.ReadUnsignedExpGolomb(); // delta_poc_sX_minus1
            bits.SkipBits(1); // used_by_curr_pic_sX_flag
        }

        return negative + positive;
    }
}
