using System.Buffers;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Flv;

/// <summary>FLV written from frames and read back (the transcoder's path to and from ffmpeg) gives the same frames.</summary>
public class FlvWriterTests
{
    [Fact]
    public void FramesSurviveAWriteAndReadRoundTrip()
    {
        // Frames and configurations from a real ffmpeg FLV.
        var source = new FlvMediaReader();
        var frames = new List<MediaFrame>();
        foreach (var (type, timestamp, data) in TestFiles.ReadFlvTags(FlvClip))
        {
            if (source.Read(new FlvTag(type, timestamp, false, new ReadOnlySequence<byte>(data)), out var frame) == FlvMediaItem.Frame)
            {
                frames.Add(frame!);
            }
        }

        Assert.NotNull(source.Video);
        Assert.NotNull(source.Audio);
        Assert.Contains(frames, f => f.Kind == MediaKind.Video && f.IsKeyframe);
        Assert.Contains(frames, f => f.Kind == MediaKind.Video && f.CompositionOffset != 0 || f.Kind == MediaKind.Audio);

        var written = new ArrayBufferWriter<byte>();
        FlvWriter.WriteHeader(written, hasVideo: true, hasAudio: true);
        FlvWriter.WriteVideoConfig(written, source.Video!, 0);
        FlvWriter.WriteAudioConfig(written, source.Audio!, 0);
        foreach (var frame in frames)
        {
            FlvWriter.WriteFrame(written, frame, frame.Timestamp + 100); // a shifted clock...
        }

        var reader = new FlvMediaReader { TimestampOffset = -100 }; // ...mapped back
        var buffer = new ReadOnlySequence<byte>(written.WrittenMemory);
        Assert.True(FlvFileReader.TryReadHeader(ref buffer, out var header));
        Assert.True(header.HasVideo && header.HasAudio);
        var read = new List<MediaFrame>();
        while (FlvFileReader.TryReadTag(ref buffer, out var tag))
        {
            if (reader.Read(tag, out var frame) == FlvMediaItem.Frame)
            {
                read.Add(frame!);
            }
        }

        Assert.True(buffer.IsEmpty);
        Assert.Equal((source.Video!.CodecString, source.Video.Width, source.Video.Height), (reader.Video!.CodecString, reader.Video.Width, reader.Video.Height));
        Assert.Equal(source.Video!.DecoderConfiguration, reader.Video!.DecoderConfiguration);
        Assert.Equal(source.Audio!.AudioSpecificConfig, reader.Audio!.AudioSpecificConfig);
        Assert.Equal(frames.Count, read.Count);
        foreach (var (expected, actual) in frames.Zip(read))
        {
            Assert.Equal((expected.Kind, expected.Timestamp, expected.CompositionOffset, expected.IsKeyframe), (actual.Kind, actual.Timestamp, actual.CompositionOffset, actual.IsKeyframe));
            Assert.True(expected.Payload.Span.SequenceEqual(actual.Payload.Span));
            expected.Release();
            actual.Release();
        }
    }

    [Fact]
    public void OnlyH264IsWrittenAsLegacyFlv()
    {
        var hevc = new VideoTrackInfo(VideoCodec.Hevc, "hvc1.1.6.L93.B0", "Main", "3.1", 1280, 720, 30, [1]);
        Assert.Throws<ArgumentException>(() => FlvWriter.WriteVideoConfig(new ArrayBufferWriter<byte>(), hevc, 0));
    }

    private const string FlvClip = "Flv/h264_high_720p30_aac48k.flv";
}
