using System.Buffers;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class ChunkMessageHeaderTests
{
    public static TheoryData<int, string, ChunkMessageHeader> Headers => new()
    {
        { 0, "00 00 10 00 01 2C 14 01 00 00 00", new ChunkMessageHeader(0x10, 300, RtmpMessageType.CommandAmf0, 1) },
        { 0, "FF FF FF FF FF FF 09 78 56 34 12", new ChunkMessageHeader(0xFFFFFF, 0xFFFFFF, RtmpMessageType.Video, 0x12345678) },
        { 1, "00 00 21 00 00 05 08", new ChunkMessageHeader(0x21, 5, RtmpMessageType.Audio, 0) },
        { 2, "00 01 00", new ChunkMessageHeader(0x100, 0, 0, 0) },
        { 3, "", new ChunkMessageHeader(0, 0, 0, 0) },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void RoundTripsAtEverySplit(int format, string hex, ChunkMessageHeader expected)
    {
        var bytes = Hex.Bytes(hex);
        Assert.Equal(bytes.Length, ChunkMessageHeader.GetLength(format));
        for (var split = 0; split <= bytes.Length; split++)
        {
            var reader = new SequenceReader<byte>(Sequences.Create(bytes, split));
            Assert.True(ChunkMessageHeader.TryRead(ref reader, format, out var header));
            Assert.Equal(expected, header);
            Assert.Equal(bytes.Length, reader.Consumed);
        }

        for (var available = 0; available < bytes.Length; available++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, available));
            Assert.False(ChunkMessageHeader.TryRead(ref reader, format, out _));
            Assert.Equal(0, reader.Consumed);
        }

        var written = new byte[11];
        Assert.Equal(bytes.Length, expected.Write(format, written));
        Assert.Equal(bytes, written[..bytes.Length]);
    }

    [Fact]
    public void MarksTheExtendedTimestamp()
    {
        Assert.True(new ChunkMessageHeader(0xFFFFFF, 0, 0, 0).HasExtendedTimestamp);
        Assert.False(new ChunkMessageHeader(0xFFFFFE, 0, 0, 0).HasExtendedTimestamp);
    }
}
