using OpenIvs.Media.Codecs.Avc;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Codecs.Avc;

public class AvcTests
{
    public static byte[] AvcC(string file) =>
        TestFiles.ReadFlvTags(file).First(t => t.Type == FlvTagType.Video && t.Data[1] == 0).Data[5..];

    [Theory]
    [InlineData("Flv/h264_high_720p30_aac48k.flv", "avc1.64001F", "High", "3.1", 1280, 720, 30.0)]
    [InlineData("Flv/h264_baseline_360p25_aac44k.flv", "avc1.42C01E", "Baseline", "3.0", 640, 360, 25.0)]
    [InlineData("Flv/h264_high444_cqm_240p.flv", "avc1.F4000D", "High 4:4:4 Predictive", "1.3", 320, 240, 30.0)]
    public void DescribesFfmpegStreams(string file, string codec, string profile, string level, int width, int height, double frameRate)
    {
        var avcC = AvcC(file);
        var record = AvcDecoderConfigurationRecord.Parse(avcC);
        Assert.Equal(4, record.NalUnitLengthSize);
        Assert.Single(record.SequenceParameterSets);
        Assert.Single(record.PictureParameterSets);
        var track = record.ToTrackInfo();
        Assert.Equal(new VideoTrackInfo(VideoCodec.Avc, codec, profile, level, width, height, frameRate, avcC) with { DecoderConfiguration = track.DecoderConfiguration }, track);
        Assert.Equal(avcC, track.DecoderConfiguration);
    }

    [Fact]
    public void ParsesHighProfileFieldsAndScalingLists()
    {
        var sps = AvcSequenceParameterSet.Parse(AvcDecoderConfigurationRecord.Parse(AvcC("Flv/h264_high444_cqm_240p.flv")).SequenceParameterSets[0]);
        Assert.Equal(244, sps.ProfileIdc);
        Assert.Equal(3, sps.ChromaFormatIdc);
        Assert.Equal(8, sps.BitDepthLuma);
        Assert.True(sps.FrameMbsOnly);
        Assert.Equal((320, 240), (sps.Width, sps.Height));
        Assert.Equal(30.0, sps.FrameRate);
    }

    [Fact]
    public void CroppingAndSampleAspectRatio()
    {
        var sps = AvcSequenceParameterSet.Parse(AvcDecoderConfigurationRecord.Parse(AvcC("Flv/h264_baseline_360p25_aac44k.flv")).SequenceParameterSets[0]);
        Assert.Equal(66, sps.ProfileIdc);
        Assert.Equal(0xC0, sps.ConstraintFlags);
        Assert.Equal(360, sps.Height); // 23 macroblock rows = 368, cropped by 8
        Assert.Equal((1, 1), (sps.SarWidth, sps.SarHeight));
    }

    [Theory]
    [InlineData(66, 0xC0, 30, "Baseline", "3.0", "avc1.42C01E")]
    [InlineData(77, 0x40, 31, "Main", "3.1", "avc1.4D401F")]
    [InlineData(100, 0x00, 40, "High", "4.0", "avc1.640028")]
    [InlineData(100, 0x0C, 42, "Constrained High", "4.2", "avc1.640C2A")]
    [InlineData(66, 0x50, 11, "Baseline", "1b", "avc1.42500B")]
    [InlineData(110, 0x00, 51, "High 10", "5.1", "avc1.6E0033")]
    public void NamesProfilesAndLevels(int profileIdc, byte constraints, int levelIdc, string profile, string level, string codec)
    {
        Assert.Equal(profile, AvcProfiles.GetProfileName(profileIdc, constraints));
        Assert.Equal(level, AvcProfiles.GetLevelName(levelIdc, profileIdc, constraints));
        Assert.Equal(codec, AvcProfiles.GetCodecString(profileIdc, constraints, levelIdc));
    }

    [Theory]
    [InlineData("")]
    [InlineData("02 64 00 1F FF E1 00 04 67 64 00 1F 01 00 00")]
    [InlineData("01 64 00 1F FF E1 00 20 67")]
    [InlineData("01 64 00 1F FE E1 00 04 67 64 00 1F 01 00 00")]
    [InlineData("01 64 00 1F FF E0 00")]
    public void MalformedRecordsFail(string hex) =>
        Assert.Throws<MediaFormatException>(() => AvcDecoderConfigurationRecord.Parse(Hex.Bytes(hex)));

    [Fact]
    public void TruncatedSpsFails()
    {
        var sps = AvcDecoderConfigurationRecord.Parse(AvcC("Flv/h264_high_720p30_aac48k.flv")).SequenceParameterSets[0];
        for (var length = 0; length < 8; length++)
        {
            Assert.Throws<MediaFormatException>(() => AvcSequenceParameterSet.Parse(sps.AsSpan(0, length)));
        }

        Assert.Throws<MediaFormatException>(() => AvcSequenceParameterSet.Parse(Hex.Bytes("68 64 00 1F")));
    }
}
