namespace OpenIvs.Media.Codecs.Avc;

/// <summary>
/// The fields of an H.264 sequence parameter set that describe a stream: profile, level, chroma format and bit
/// depth, the cropped picture size, sample aspect ratio and VUI timing.
/// </summary>
public sealed record AvcSequenceParameterSet(
    int ProfileIdc,
    byte ConstraintFlags,
    int LevelIdc,
    int SeqParameterSetId,
    int ChromaFormatIdc,
    int BitDepthLuma,
    int BitDepthChroma,
    bool FrameMbsOnly,
    int Width,
    int Height,
    int SarWidth,
    int SarHeight,
    uint NumUnitsInTick,
    uint TimeScale,
    bool FixedFrameRate)
{
    private const int MaxSpsLength = 4096;

    /// <summary>Frames per second from VUI timing (<c>time_scale / (2 * num_units_in_tick)</c>), when present.</summary>
    public double? FrameRate => NumUnitsInTick > 0 && TimeScale > 0 ? TimeScale / (2.0 * NumUnitsInTick) : null;

    public string ProfileName => AvcProfiles.GetProfileName(ProfileIdc, ConstraintFlags);

    public string LevelName => AvcProfiles.GetLevelName(LevelIdc, ProfileIdc, ConstraintFlags);

    public string CodecString => AvcProfiles.GetCodecString(ProfileIdc, ConstraintFlags, LevelIdc);

    /// <summary>Parses an SPS NAL unit (starting with its NAL header byte, emulation prevention bytes included).</summary>
    public static AvcSequenceParameterSet Parse(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 4)
        {
            MediaThrow.Truncated("H.264 SPS");
        }

        if ((nal[0] & 0x1F) != 7)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"NAL unit type {nal[0] & 0x1F} is not an SPS.");
        }

        if (nal.Length > MaxSpsLength)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "H.264 SPS is implausibly large.");
        }

        return Rbsp.Parse(nal, headerLength: 1, ParseRbsp);
    }

    private static AvcSequenceParameterSet ParseRbsp(ReadOnlySpan<byte> rbsp)
    {
        var bits = new BitReader(rbsp);
        var profileIdc = (int)bits.ReadBits(8);
        var constraintFlags = (byte)bits.ReadBits(8);
        var levelIdc = (int)bits.ReadBits(8);
        var spsId = bits.ReadUnsignedExpGolomb(31, "seq_parameter_set_id");
        var chromaFormatIdc = 1;
        var separateColourPlane = false;
        var bitDepthLuma = 8;
        var bitDepthChroma = 8;
        if (profileIdc is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            chromaFormatIdc = bits.ReadUnsignedExpGolomb(3, "chroma_format_idc");
            if (chromaFormatIdc == 3)
            {
                separateColourPlane = bits.ReadBit();
            }

            bitDepthLuma = 8 + bits.ReadUnsignedExpGolomb(6, "bit_depth_luma_minus8");
            bitDepthChroma = 8 + bits.ReadUnsignedExpGolomb(6, "bit_depth_chroma_minus8");
            bits.SkipBits(1); // qpprime_y_zero_transform_bypass_flag
            if (bits.ReadBit())
            {
                // seq_scaling_matrix_present_flag: the lists are delta coded, so each has to be walked to skip it.
                var lists = chromaFormatIdc == 3 ? 12 : 8;
                for (var i = 0; i < lists; i++)
                {
                    if (bits.ReadBit())
                    {
                        SkipScalingList(ref bits, i < 6 ? 16 : 64);
                    }
                }
            }
        }

        bits.ReadUnsignedExpGolomb(12, "log2_max_frame_num_minus4");
        var pocType = bits.ReadUnsignedExpGolomb(2, "pic_order_cnt_type");
        if (pocType == 0)
        {
            bits.ReadUnsignedExpGolomb(12, "log2_max_pic_order_cnt_lsb_minus4");
        }
        else if (pocType == 1)
        {
            bits.SkipBits(1); // delta_pic_order_always_zero_flag
            bits.ReadSignedExpGolomb(); // offset_for_non_ref_pic
            bits.ReadSignedExpGolomb(); // offset_for_top_to_bottom_field
            var cycle = bits.ReadUnsignedExpGolomb(255, "num_ref_frames_in_pic_order_cnt_cycle");
            for (var i = 0; i < cycle; i++)
            {
                bits.ReadSignedExpGolomb();
            }
        }

        bits.ReadUnsignedExpGolomb(); // max_num_ref_frames
        bits.SkipBits(1); // gaps_in_frame_num_value_allowed_flag
        var widthInMbs = bits.ReadUnsignedExpGolomb(1023, "pic_width_in_mbs_minus1") + 1;
        var heightInMapUnits = bits.ReadUnsignedExpGolomb(1023, "pic_height_in_map_units_minus1") + 1;
        var frameMbsOnly = bits.ReadBit();
        if (!frameMbsOnly)
        {
            bits.SkipBits(1); // mb_adaptive_frame_field_flag
        }

        bits.SkipBits(1); // direct_8x8_inference_flag
        int cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (bits.ReadBit())
        {
            cropLeft = bits.ReadUnsignedExpGolomb(8192, "frame_crop_left_offset");
            cropRight = bits.ReadUnsignedExpGolomb(8192, "frame_crop_right_offset");
            cropTop = bits.ReadUnsignedExpGolomb(8192, "frame_crop_top_offset");
            cropBottom = bits.ReadUnsignedExpGolomb(8192, "frame_crop_bottom_offset");
        }

        var chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
        var subWidthC = chromaArrayType is 1 or 2 ? 2 : 1;
        var subHeightC = chromaArrayType == 1 ? 2 : 1;
        var cropUnitX = chromaArrayType == 0 ? 1 : subWidthC;
        var cropUnitY = (chromaArrayType == 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
        var width = widthInMbs * 16 - cropUnitX * (cropLeft + cropRight);
        var height = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
        if (width <= 0 || height <= 0)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "H.264 SPS cropping leaves no picture.");
        }

        int sarWidth = 0, sarHeight = 0;
        uint numUnitsInTick = 0, timeScale = 0;
        var fixedFrameRate = false;
        if (bits.BitsRemaining > 0 && bits.ReadBit())
        {
            // vui_parameters(): only the fields up to timing_info are needed.
            if (bits.ReadBit())
            {
                var aspectRatioIdc = (int)bits.ReadBits(8);
                if (aspectRatioIdc == 255)
                {
                    sarWidth = (int)bits.ReadBits(16);
                    sarHeight = (int)bits.ReadBits(16);
                }
                else
                {
                    (sarWidth, sarHeight) = GetSampleAspectRatio(aspectRatioIdc);
                }
            }

            if (bits.ReadBit())
            {
                bits.SkipBits(1); // overscan_appropriate_flag
            }

            if (bits.ReadBit())
            {
                bits.SkipBits(4); // video_format, video_full_range_flag
                if (bits.ReadBit())
                {
                    bits.SkipBits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
                }
            }

            if (bits.ReadBit())
            {
                bits.ReadUnsignedExpGolomb(); // chroma_sample_loc_type_top_field
                bits.ReadUnsignedExpGolomb(); // chroma_sample_loc_type_bottom_field
            }

            if (bits.ReadBit())
            {
                numUnitsInTick = bits.ReadBits(32);
                timeScale = bits.ReadBits(32);
                fixedFrameRate = bits.ReadBit();
            }
        }

        return new AvcSequenceParameterSet(profileIdc, constraintFlags, levelIdc, spsId, chromaFormatIdc, bitDepthLuma, bitDepthChroma,
            frameMbsOnly, width, height, sarWidth, sarHeight, numUnitsInTick, timeScale, fixedFrameRate);
    }

    private static void SkipScalingList(ref BitReader bits, int size)
    {
        var lastScale = 8;
        var nextScale = 8;
        for (var j = 0; j < size; j++)
        {
            if (nextScale != 0)
            {
                var delta = bits.ReadSignedExpGolomb();
                if (delta is < -128 or > 127)
                {
                    MediaThrow.Format(MediaFormatError.InvalidValue, "delta_scale out of range.");
                }

                nextScale = (lastScale + delta + 256) % 256;
            }

            lastScale = nextScale == 0 ? lastScale : nextScale;
        }
    }

    private static (int Width, int Height) GetSampleAspectRatio(int idc) => idc switch
    {
        1 => (1, 1),
        2 => (12, 11),
        3 => (10, 11),
        4 => (16, 11),
        5 => (40, 33),
        6 => (24, 11),
        7 => (20, 11),
        8 => (32, 11),
        9 => (80, 33),
        10 => (18, 11),
        11 => (15, 11),
        12 => (64, 33),
        13 => (160, 99),
        14 => (4, 3),
        15 => (3, 2),
        16 => (2, 1),
        _ => (0, 0),
    };
}
