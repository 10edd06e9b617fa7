using OpenIvs.Media.MpegTs;

namespace OpenIvs.Media.Tests.MpegTs;

public class AdtsHeaderTests
{
    [Fact]
    public void AacLc44100StereoHeader()
    {
        Assert.True(AdtsHeader.TryCreate([0x12, 0x10], out var header));
        Assert.Equal(new AdtsHeader(1, 4, 2, 1024), header);
        var bytes = new byte[7];
        header.Write(bytes, 100);
        Assert.Equal([0xFF, 0xF1, 0x50, 0x80, 0x0D, 0x7F, 0xFC], bytes);
    }

    [Fact]
    public void HeAacUsesTheCoreObjectTypeAndRate()
    {
        // Object type 5 (SBR), 24 kHz core (index 6), stereo, extension 48 kHz (index 3), underlying AAC-LC.
        Assert.True(AdtsHeader.TryCreate([0x2B, 0x11, 0x88, 0x00], out var header));
        Assert.Equal(1, header.Profile);
        Assert.Equal(6, header.SamplingFrequencyIndex);
        Assert.Equal(2, header.ChannelConfiguration);
    }

    [Fact]
    public void FrameLengthFlagMeans960Samples()
    {
        Assert.True(AdtsHeader.TryCreate([0x11, 0x94], out var header));
        Assert.Equal(960, header.SamplesPerFrame);
    }

    [Fact]
    public void RejectsTruncatedConfigAndOversizedFrames()
    {
        Assert.False(AdtsHeader.TryCreate([0x12], out _));
        Assert.True(AdtsHeader.TryCreate([0x12, 0x10], out var header));
        Assert.Throws<ArgumentOutOfRangeException>(() => header.Write(new byte[7], AdtsHeader.MaxFrameLength));
    }
}
