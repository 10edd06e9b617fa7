using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Codecs.Avc;

/// <summary>
/// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 <c>avcC</c>): what an FLV/RTMP AVC sequence header carries.
/// </summary>
public sealed class AvcDecoderConfigurationRecord
{
    private AvcDecoderConfigurationRecord(byte[] bytes, int nalUnitLengthSize, List<byte[]> sps, List<byte[]> pps)
    {
        Bytes = bytes;
        NalUnitLengthSize = nalUnitLengthSize;
        SequenceParameterSets = sps;
        PictureParameterSets = pps;
    }

    /// <summary>The record as received.</summary>
    public byte[] Bytes { get; }

    public int ProfileIndication => Bytes[1];

    public byte ProfileCompatibility => Bytes[2];

    public int LevelIndication => Bytes[3];

    /// <summary>Bytes of the length prefix before each NAL unit in coded frames (1, 2 or 4).</summary>
    public int NalUnitLengthSize { get; }

    public IReadOnlyList<byte[]> SequenceParameterSets { get; }

    public IReadOnlyList<byte[]> PictureParameterSets { get; }

    /// <summary>Parses a record; the SPS/PPS arrays are copied out of <paramref name="data"/>.</summary>
    public static AvcDecoderConfigurationRecord Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 7)
        {
            MediaThrow.Truncated("avcC");
        }

        if (data[0] != 1)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"avcC configurationVersion {data[0]} is not 1.");
        }

        var lengthSize = (data[4] & 0x03) + 1;
        if (lengthSize == 3)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "avcC lengthSizeMinusOne of 2 is not allowed.");
        }

        var position = 5;
        var sps = ReadParameterSets(data, ref position, data[position++] & 0x1F);
        if (position >= data.Length)
        {
            MediaThrow.Truncated("avcC");
        }

        var pps = ReadParameterSets(data, ref position, data[position++]);
        if (sps.Count == 0)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "avcC carries no SPS.");
        }

        return new AvcDecoderConfigurationRecord(data.ToArray(), lengthSize, sps, pps);
    }

    /// <summary>Describes the track from the first SPS.</summary>
    public VideoTrackInfo ToTrackInfo()
    {
        var sps = AvcSequenceParameterSet.Parse(SequenceParameterSets[0]);
        return new VideoTrackInfo(VideoCodec.Avc, sps.CodecString, sps.ProfileName, sps.LevelName, sps.Width, sps.Height, sps.FrameRate, Bytes);
    }

    private static List<byte[]> ReadParameterSets(ReadOnlySpan<byte> data, ref int position, int count)
    {
        var sets = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            if (position + 2 > data.Length)
            {
                MediaThrow.Truncated("avcC parameter set");
            }

            var length = data[position] << 8 | data[position + 1];
            position += 2;
            if (length == 0 || position + length > data.Length)
            {
                MediaThrow.Truncated("avcC parameter set");
            }

            sets.Add(data.Slice(position, length).ToArray());
            position += length;
        }

        return sets;
    }
}
