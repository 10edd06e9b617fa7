using OpenIvs.Media.Codecs.Hevc;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Codecs.Hevc;

/// <summary>
/// ffmpeg 5.1 cannot mux HEVC into FLV, so the hvcC records come from MP4 files written by the same ffmpeg/libx265
/// (TestData/make-fixtures.sh); the session tests wrap them in Enhanced RTMP tags. x265 3.5 signals the general
/// constraint flags progressive_source + frame_only (0x90), hence <c>.90</c> rather than the often quoted <c>.B0</c>.
/// </summary>
public class HevcTests
{
    public static byte[] HvcC(string file) => TestFiles.FindMp4Box(file, "hvcC");

    [Theory]
    [InlineData("Mp4/hevc_main_1280x720.mp4", "hvc1.1.6.L93.90", "3.1", 1280, 720)]
    [InlineData("Mp4/hevc_main_320x240.mp4", "hvc1.1.6.L60.90", "2.0", 320, 240)]
    public void DescribesX265Streams(string file, string codec, string level, int width, int height)
    {
        var record = HevcDecoderConfigurationRecord.Parse(HvcC(file));
        Assert.Equal(4, record.NalUnitLengthSize);
        Assert.Equal([32, 33, 34], record.NalUnits.Select(n => n.NalType).Where(t => t >= 32 && t <= 34).Distinct().Order());
        var track = record.ToTrackInfo();
        Assert.Equal(VideoCodec.Hevc, track.Codec);
        Assert.Equal(codec, track.CodecString);
        Assert.Equal("Main", track.Profile);
        Assert.Equal(level, track.Level);
        Assert.Equal((width, height), (track.Width, track.Height));
        Assert.Equal(30.0, track.FrameRate); // from the SPS VUI timing info x265 writes
    }

    [Fact]
    public void SpsGivesSizeBitDepthAndVuiFrameRate()
    {
        var record = HevcDecoderConfigurationRecord.Parse(HvcC("Mp4/hevc_main_1280x720.mp4"));
        var sps = HevcSequenceParameterSet.Parse(record.NalUnits.First(n => n.NalType == 33).Nal);
        Assert.Equal(new HevcSequenceParameterSet(1, 1280, 720, 8, 8, 30.0), sps);
        Assert.Throws<MediaFormatException>(() => HevcSequenceParameterSet.Parse(record.NalUnits.First(n => n.NalType == 32).Nal));
        Assert.Throws<MediaFormatException>(() => HevcSequenceParameterSet.Parse(record.NalUnits.First(n => n.NalType == 33).Nal.AsSpan(0, 12)));
    }

    [Fact]
    public void CodecStringCoversProfileSpaceTierAndConstraints()
    {
        var bytes = HvcC("Mp4/hevc_main_1280x720.mp4");
        bytes[1] = 0x62; // profile space 1, high tier, profile 2 (Main 10)
        bytes[2] = 0x20; // compatibility flag 2 only -> reversed 0x4
        bytes[3] = bytes[4] = bytes[5] = 0;
        bytes[7] = 0x01; // a second constraint byte
        var record = HevcDecoderConfigurationRecord.Parse(bytes);
        Assert.Equal("hvc1.A2.4.H93.90.01", record.CodecString);
        Assert.Equal("Main 10", record.ProfileName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01 01 60 00 00 00 90 00 00 00 00 00 5D F0 00 FC FD F8 F8 00 00 0F")]
    [InlineData("01 01 60 00 00 00 90 00 00 00 00 00 5D F0 00 FC FD F8 F8 00 00 0F 01 A1 00 01 00 10 42")]
    public void MalformedRecordsFail(string hex) =>
        Assert.Throws<MediaFormatException>(() => HevcDecoderConfigurationRecord.Parse(Hex.Bytes(hex)));
}
