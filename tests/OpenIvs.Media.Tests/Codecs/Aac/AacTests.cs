using OpenIvs.Media.Codecs.Aac;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Codecs.Aac;

public class AacTests
{
    [Theory]
    [InlineData("Flv/h264_high_720p30_aac48k.flv", 48000, 2)]
    [InlineData("Flv/h264_baseline_360p25_aac44k.flv", 44100, 2)]
    [InlineData("Flv/aac_mono_22k.flv", 22050, 1)]
    public void DescribesFfmpegAac(string file, int sampleRate, int channels)
    {
        var asc = TestFiles.ReadFlvTags(file).First(t => t.Type == FlvTagType.Audio && t.Data[1] == 0).Data[2..];
        var config = AacAudioSpecificConfig.Parse(asc);
        var track = config.ToTrackInfo(asc);
        Assert.Equal("mp4a.40.2", track.CodecString);
        Assert.Equal(2, track.ObjectType);
        Assert.Equal(sampleRate, track.SampleRate);
        Assert.Equal(channels, track.Channels);
        Assert.False(config.SbrPresent);
        Assert.Equal(asc, track.AudioSpecificConfig);
    }

    [Theory]
    [InlineData("2B 11 88 00", 5, 2, 48000, 24000, 2, true, false, "mp4a.40.5")] // explicit SBR (HE-AAC)
    [InlineData("EB 09 88 00", 29, 2, 48000, 24000, 2, true, true, "mp4a.40.29")] // explicit PS (HE-AACv2), mono core -> stereo
    [InlineData("13 10 56 E5 98", 2, 2, 48000, 24000, 2, true, false, "mp4a.40.2")] // backward-compatible SBR sync extension
    [InlineData("13 08 56 E5 9D 48 80", 2, 2, 48000, 24000, 2, true, true, "mp4a.40.2")] // ... and PS
    [InlineData("17 80 5D C0 10", 2, 2, 48000, 48000, 2, false, false, "mp4a.40.2")] // explicit 24-bit sample rate
    [InlineData("F9 48 40", 42, 42, 44100, 44100, 2, false, false, "mp4a.40.42")] // escaped object type
    [InlineData("11 B8", 2, 2, 48000, 48000, 8, false, false, "mp4a.40.2")] // channel configuration 7 = 7.1
    public void HandMadeConfigs(string hex, int objectType, int coreObjectType, int rate, int coreRate, int channels, bool sbr, bool ps, string codec)
    {
        var config = AacAudioSpecificConfig.Parse(Hex.Bytes(hex));
        Assert.Equal(new AacAudioSpecificConfig(objectType, coreObjectType, rate, coreRate, config.ChannelConfiguration, channels, sbr, ps), config);
        Assert.Equal(codec, config.CodecString);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("16 90")] // reserved sampling frequency index 13
    [InlineData("07 80")] // object type 0
    [InlineData("17 80 00 00 00")] // explicit rate 0
    public void MalformedConfigsFail(string hex) =>
        Assert.Throws<MediaFormatException>(() => AacAudioSpecificConfig.Parse(Hex.Bytes(hex)));
}
