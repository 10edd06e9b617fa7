using System.Globalization;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Codecs.Av1;

/// <summary>An AV1CodecConfigurationRecord (<c>av1C</c>), as an Enhanced RTMP <c>av01</c> sequence start carries.</summary>
public sealed class Av1CodecConfigurationRecord
{
    private Av1CodecConfigurationRecord(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    public int SeqProfile => Bytes[1] >> 5;

    public int SeqLevelIdx => Bytes[1] & 0x1F;

    public bool HighTier => (Bytes[2] & 0x80) != 0;

    public int BitDepth => (Bytes[2] & 0x40) == 0 ? 8 : (Bytes[2] & 0x20) != 0 ? 12 : 10;

    public bool Monochrome => (Bytes[2] & 0x10) != 0;

    /// <summary>The configOBUs (usually the sequence header OBU).</summary>
    public ReadOnlySpan<byte> ConfigObus => Bytes.AsSpan(4);

    public string ProfileName => SeqProfile switch
    {
        0 => "Main",
        1 => "High",
        2 => "Professional",
        _ => $"Profile {SeqProfile}",
    };

    /// <summary>The level as <c>X.Y</c> with X = 2 + (seq_level_idx &gt;&gt; 2), Y = seq_level_idx &amp; 3.</summary>
    public string LevelName => SeqLevelIdx == 31
        ? "max"
        : (2 + (SeqLevelIdx >> 2)).ToString(CultureInfo.InvariantCulture) + "." + (SeqLevelIdx & 3).ToString(CultureInfo.InvariantCulture);

    /// <summary>The short codec string <c>av01.P.LLT.DD</c> (the optional colour fields are left out).</summary>
    public string CodecString => string.Create(CultureInfo.InvariantCulture, $"av01.{SeqProfile}.{SeqLevelIdx:D2}{(HighTier ? 'H' : 'M')}.{BitDepth:D2}");

    public static Av1CodecConfigurationRecord Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            MediaThrow.Truncated("av1C");
        }

        if (data[0] != 0x81)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "av1C marker/version is not 1/1.");
        }

        return new Av1CodecConfigurationRecord(data.ToArray());
    }

    /// <summary>Describes the track; size and frame rate come from the sequence header OBU when the record carries one.</summary>
    public VideoTrackInfo ToTrackInfo()
    {
        var header = Av1SequenceHeader.FindAndParse(ConfigObus);
        return new VideoTrackInfo(VideoCodec.Av1, CodecString, ProfileName, LevelName, header?.MaxWidth ?? 0, header?.MaxHeight ?? 0,
            header?.FrameRate, Bytes);
    }
}
