using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Codecs.Hevc;

/// <summary>
/// An HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 <c>hvcC</c>), as an Enhanced RTMP <c>hvc1</c> sequence start carries.
/// </summary>
public sealed class HevcDecoderConfigurationRecord
{
    private const int FixedLength = 23;

    private HevcDecoderConfigurationRecord(byte[] bytes, List<(int NalType, byte[] Nal)> nalUnits)
    {
        Bytes = bytes;
        NalUnits = nalUnits;
    }

    public byte[] Bytes { get; }

    public int ProfileSpace => Bytes[1] >> 6;

    public bool HighTier => (Bytes[1] & 0x20) != 0;

    public int ProfileIdc => Bytes[1] & 0x1F;

    public uint ProfileCompatibilityFlags => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(2));

    public ReadOnlySpan<byte> ConstraintIndicatorFlags => Bytes.AsSpan(6, 6);

    public int LevelIdc => Bytes[12];

    public int ChromaFormatIdc => Bytes[16] & 0x03;

    public int BitDepthLuma => (Bytes[17] & 0x07) + 8;

    /// <summary>Average frame rate in frames per 256 seconds (0 = unspecified).</summary>
    public int AverageFrameRate => Bytes[19] << 8 | Bytes[20];

    public int NalUnitLengthSize => (Bytes[21] & 0x03) + 1;

    /// <summary>The VPS/SPS/PPS/SEI NAL units of the record with their NAL unit types.</summary>
    public IReadOnlyList<(int NalType, byte[] Nal)> NalUnits { get; }

    public string ProfileName => ProfileIdc switch
    {
        1 => "Main",
        2 => "Main 10",
        3 => "Main Still Picture",
        4 => "Range Extensions",
        5 => "High Throughput",
        9 => "Screen Content Coding",
        _ => $"Profile {ProfileIdc}",
    };

    /// <summary>The level as <c>major.minor</c> (<c>general_level_idc / 30</c>), e.g. 93 -> <c>3.1</c>.</summary>
    public string LevelName => (LevelIdc / 30).ToString(CultureInfo.InvariantCulture) + "." + (LevelIdc % 30 / 3).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// RFC 6381 / ISO 14496-15 codec string: <c>hvc1.[A-C]profile.compat(reversed, hex).[L|H]level.constraints</c>
    /// with trailing zero constraint bytes dropped, e.g. <c>hvc1.1.6.L93.B0</c>.
    /// </summary>
    public string CodecString
    {
        get
        {
            var builder = new StringBuilder("hvc1.");
            if (ProfileSpace > 0)
            {
                builder.Append((char)('A' + ProfileSpace - 1));
            }

            var reversed = ReverseBits(ProfileCompatibilityFlags);
            builder.Append(CultureInfo.InvariantCulture, $"{ProfileIdc}.{reversed:X}.{(HighTier ? 'H' : 'L')}{LevelIdc}");
            var constraints = ConstraintIndicatorFlags;
            var last = constraints.Length - 1;
            while (last >= 0 && constraints[last] == 0)
            {
                last--;
            }

            for (var i = 0; i <= last; i++)
            {
                builder.Append(CultureInfo.InvariantCulture, $".{constraints[i]:X2}");
            }

            return builder.ToString();
        }
    }

    public static HevcDecoderConfigurationRecord Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < FixedLength)
        {
            MediaThrow.Truncated("hvcC");
        }

        if (data[0] != 1)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"hvcC configurationVersion {data[0]} is not 1.");
        }

        var arrays = data[22];
        var position = FixedLength;
        var nalUnits = new List<(int, byte[])>();
        for (var a = 0; a < arrays; a++)
        {
            if (position + 3 > data.Length)
            {
                MediaThrow.Truncated("hvcC array");
            }

            var nalType = data[position] & 0x3F;
            var count = data[position + 1] << 8 | data[position + 2];
            position += 3;
            for (var n = 0; n < count; n++)
            {
                if (position + 2 > data.Length)
                {
                    MediaThrow.Truncated("hvcC NAL unit");
                }

                var length = data[position] << 8 | data[position + 1];
                position += 2;
                if (position + length > data.Length)
                {
                    MediaThrow.Truncated("hvcC NAL unit");
                }

                nalUnits.Add((nalType, data.Slice(position, length).ToArray()));
                position += length;
            }
        }

        return new HevcDecoderConfigurationRecord(data.ToArray(), nalUnits);
    }

    /// <summary>
    /// Describes the track; size and frame rate come from the first SPS (0 and <c>null</c> when the record has
    /// none), the frame rate falling back to the record's avgFrameRate.
    /// </summary>
    public VideoTrackInfo ToTrackInfo()
    {
        int width = 0, height = 0;
        double? frameRate = null;
        foreach (var (nalType, nal) in NalUnits)
        {
            if (nalType == 33)
            {
                var sps = HevcSequenceParameterSet.Parse(nal);
                (width, height, frameRate) = (sps.Width, sps.Height, sps.FrameRate);
                break;
            }
        }

        frameRate ??= AverageFrameRate > 0 ? AverageFrameRate / 256.0 : null;
        return new VideoTrackInfo(VideoCodec.Hevc, CodecString, ProfileName, LevelName, width, height, frameRate, Bytes);
    }

    private static uint ReverseBits(uint value)
    {
        uint result = 0;
        for (var i = 0; i < 32; i++)
        {
            result = (result << 1) | (value & 1);
            value >>= 1;
        }

        return result;
    }
}
