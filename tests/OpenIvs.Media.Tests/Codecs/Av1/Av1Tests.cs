using OpenIvs.Media.Codecs.Av1;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Codecs.Av1;

public class Av1Tests
{
    [Fact]
    public void DescribesALibaomStream()
    {
        var av1C = TestFiles.FindMp4Box("Mp4/av1_320x240.mp4", "av1C");
        var track = Av1CodecConfigurationRecord.Parse(av1C).ToTrackInfo();
        Assert.Equal(VideoCodec.Av1, track.Codec);
        Assert.Equal("av01.0.00M.08", track.CodecString);
        Assert.Equal("Main", track.Profile);
        Assert.Equal("2.0", track.Level);
        Assert.Equal((320, 240), (track.Width, track.Height));
    }

    [Fact]
    public void RecordFieldsMakeTheCodecString()
    {
        var record = Av1CodecConfigurationRecord.Parse(Hex.Bytes("81 2D E0 00")); // profile 1, level 13, high tier, 12-bit
        Assert.Equal("av01.1.13H.12", record.CodecString);
        Assert.Equal("5.1", record.LevelName);
        Assert.Equal((0, 0), (record.ToTrackInfo().Width, record.ToTrackInfo().Height)); // no sequence header OBU
        Assert.Throws<MediaFormatException>(() => Av1CodecConfigurationRecord.Parse(Hex.Bytes("01 00 00 00")));
        Assert.Throws<MediaFormatException>(() => Av1CodecConfigurationRecord.Parse(Hex.Bytes("81 00")));
    }
}
