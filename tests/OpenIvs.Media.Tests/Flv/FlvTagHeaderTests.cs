using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Flv;

public class FlvTagHeaderTests
{
    [Theory]
    [InlineData("17 00 00 00 00", FlvVideoFrameType.Keyframe, FlvVideoPacketType.SequenceStart, 0)]
    [InlineData("17 01 00 00 50", FlvVideoFrameType.Keyframe, FlvVideoPacketType.CodedFrames, 80)]
    [InlineData("27 01 FF FF D8", FlvVideoFrameType.InterFrame, FlvVideoPacketType.CodedFrames, -40)]
    [InlineData("27 01 7F FF FF", FlvVideoFrameType.InterFrame, FlvVideoPacketType.CodedFrames, 0x7FFFFF)]
    [InlineData("27 01 80 00 00", FlvVideoFrameType.InterFrame, FlvVideoPacketType.CodedFrames, -0x800000)]
    [InlineData("17 02 00 00 00", FlvVideoFrameType.Keyframe, FlvVideoPacketType.SequenceEnd, 0)]
    public void LegacyAvc(string hex, FlvVideoFrameType frameType, FlvVideoPacketType packetType, int compositionTime)
    {
        var header = FlvVideoTagHeader.Parse(Sequences.Create(Hex.Bytes(hex + " 00 00 00 01 65"), 2));
        Assert.Equal(frameType, header.FrameType);
        Assert.Equal(packetType, header.PacketType);
        Assert.Equal(compositionTime, header.CompositionTimeOffset);
        Assert.Equal(VideoCodec.Avc, header.Codec);
        Assert.False(header.IsExHeader);
        Assert.Equal(5, header.HeaderLength);
    }

    [Fact]
    public void LegacyOtherCodecsHaveAOneByteHeaderAndNoCodec()
    {
        var header = FlvVideoTagHeader.Parse(Hex.Bytes("22 AA"));
        Assert.Equal(2, header.CodecId);
        Assert.Null(header.Codec);
        Assert.Equal(1, header.HeaderLength);
    }

    [Theory]
    [InlineData("90 68 76 63 31", FlvVideoFrameType.Keyframe, FlvVideoPacketType.SequenceStart, VideoCodec.Hevc, 0, 5)]
    [InlineData("91 68 76 63 31 00 00 28", FlvVideoFrameType.Keyframe, FlvVideoPacketType.CodedFrames, VideoCodec.Hevc, 40, 8)]
    [InlineData("A3 68 76 63 31", FlvVideoFrameType.InterFrame, FlvVideoPacketType.CodedFramesX, VideoCodec.Hevc, 0, 5)]
    [InlineData("91 61 76 30 31", FlvVideoFrameType.Keyframe, FlvVideoPacketType.CodedFrames, VideoCodec.Av1, 0, 5)]
    [InlineData("90 61 76 63 31", FlvVideoFrameType.Keyframe, FlvVideoPacketType.SequenceStart, VideoCodec.Avc, 0, 5)]
    [InlineData("A1 61 76 63 31 FF FF FF", FlvVideoFrameType.InterFrame, FlvVideoPacketType.CodedFrames, VideoCodec.Avc, -1, 8)]
    [InlineData("92 61 76 30 31", FlvVideoFrameType.Keyframe, FlvVideoPacketType.SequenceEnd, VideoCodec.Av1, 0, 5)]
    public void EnhancedRtmp(string hex, FlvVideoFrameType frameType, FlvVideoPacketType packetType, VideoCodec codec, int compositionTime, int headerLength)
    {
        var bytes = Hex.Bytes(hex);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var header = FlvVideoTagHeader.Parse(Sequences.Create(bytes, split));
            Assert.True(header.IsExHeader);
            Assert.Equal(frameType, header.FrameType);
            Assert.Equal(packetType, header.PacketType);
            Assert.Equal(codec, header.Codec);
            Assert.Equal(compositionTime, header.CompositionTimeOffset);
            Assert.Equal(headerLength, header.HeaderLength);
        }
    }

    [Fact]
    public void EnhancedCommandFrameHasNoFourCc()
    {
        var header = FlvVideoTagHeader.Parse(Hex.Bytes("D1 00"));
        Assert.Equal(FlvVideoFrameType.Command, header.FrameType);
        Assert.Equal(2, header.HeaderLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("17 01 00")]
    [InlineData("91 68 76 63 31 00")]
    [InlineData("90 68 76")]
    [InlineData("17 05 00 00 00")]
    [InlineData("97 68 76 63 31")] // ModEx
    public void MalformedVideoHeadersFail(string hex) =>
        Assert.Throws<MediaFormatException>(() => FlvVideoTagHeader.Parse(Hex.Bytes(hex)));

    [Theory]
    [InlineData("AF 00 12 10", FlvSoundFormat.Aac, 0, 2)]
    [InlineData("AF 01 21 00", FlvSoundFormat.Aac, 1, 2)]
    [InlineData("AE 01 21 00", FlvSoundFormat.Aac, 1, 2)]
    [InlineData("2F FF", FlvSoundFormat.Mp3, 0, 1)]
    public void LegacyAudio(string hex, FlvSoundFormat format, byte packetType, int headerLength)
    {
        var header = FlvAudioTagHeader.Parse(Sequences.Create(Hex.Bytes(hex), 1));
        Assert.Equal(format, header.SoundFormat);
        Assert.Equal(packetType, header.PacketType);
        Assert.Equal(headerLength, header.HeaderLength);
        Assert.Equal(format == FlvSoundFormat.Aac, header.IsAac);
    }

    [Fact]
    public void EnhancedAudio()
    {
        var header = FlvAudioTagHeader.Parse(Hex.Bytes("90 6D 70 34 61 12 10"));
        Assert.Equal(FlvSoundFormat.ExHeader, header.SoundFormat);
        Assert.Equal(FlvFourCc.Mp4a, header.FourCc);
        Assert.True(header.IsAac);
        Assert.Equal(5, header.HeaderLength);
        Assert.False(FlvAudioTagHeader.Parse(Hex.Bytes("91 4F 70 75 73")).IsAac);
        Assert.Throws<MediaFormatException>(() => FlvAudioTagHeader.Parse(Hex.Bytes("AF")));
    }
}
