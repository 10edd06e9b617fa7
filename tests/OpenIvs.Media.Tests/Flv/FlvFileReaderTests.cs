using System.Buffers;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Flv;

public class FlvFileReaderTests
{
    [Fact]
    public void ReadsAnFfmpegFile()
    {
        var tags = TestFiles.ReadFlvTags("Flv/h264_high_720p30_aac48k.flv");
        Assert.Equal(FlvTagType.Script, tags[0].Type);
        var video = tags.Where(t => t.Type == FlvTagType.Video).ToList();
        Assert.Equal(60, video.Count(t => t.Data[1] == 1)); // 2 s at 30 fps
        Assert.Equal(0, video[0].Data[1]); // the sequence header first
        Assert.Equal(2, video[^1].Data[1]); // ffmpeg ends with an end-of-sequence tag
        Assert.Contains(tags, t => t.Type == FlvTagType.Audio);
        var videoTimes = video.Select(t => t.Timestamp).ToList();
        Assert.Equal(videoTimes.Order(), videoTimes);
    }

    [Fact]
    public void ReadsAtEverySplit()
    {
        var bytes = TestFiles.Read("Flv/aac_mono_22k.flv");
        var expected = TestFiles.ReadFlvTags("Flv/aac_mono_22k.flv");
        var headerRead = false;
        Sequences.TryRead<FlvTag> step = (ref ReadOnlySequence<byte> buffer, out FlvTag tag) =>
        {
            tag = default;
            if (!headerRead)
            {
                if (!FlvFileReader.TryReadHeader(ref buffer, out var header))
                {
                    return false;
                }

                Assert.True(header.HasAudio);
                headerRead = true;
            }

            return FlvFileReader.TryReadTag(ref buffer, out tag);
        };
        for (var split = 1; split < bytes.Length; split += 7)
        {
            headerRead = false;
            var tags = Sequences.Feed(bytes, [split], step, t => (t.Type, t.Timestamp, t.Data.ToArray()));
            Assert.Equal(expected.Count, tags.Count);
            Assert.True(expected.Zip(tags).All(p => p.First.Type == p.Second.Type && p.First.Timestamp == p.Second.Timestamp && p.First.Data.AsSpan().SequenceEqual(p.Second.Item3)));
        }
    }

    [Fact]
    public void ExtendedTimestampByteIsTheHighByte()
    {
        var tag = Hex.Bytes("09 00 00 01 12 34 56 78 00 00 00 AA 00 00 00 0C");
        var buffer = new ReadOnlySequence<byte>(tag);
        Assert.True(FlvFileReader.TryReadTag(ref buffer, out var read));
        Assert.Equal(0x78123456u, read.Timestamp);
    }

    [Fact]
    public void RejectsGarbage()
    {
        var buffer = new ReadOnlySequence<byte>("GIF89a\0\0\0\0\0\0\0"u8.ToArray());
        Assert.Throws<MediaFormatException>(() => FlvFileReader.TryReadHeader(ref buffer, out _));
        var tag = new ReadOnlySequence<byte>(Hex.Bytes("09 00 00 01 00 00 00 00 00 00 00 AA 00 00 00 0B"));
        Assert.Throws<MediaFormatException>(() => FlvFileReader.TryReadTag(ref tag, out _));
    }
}
