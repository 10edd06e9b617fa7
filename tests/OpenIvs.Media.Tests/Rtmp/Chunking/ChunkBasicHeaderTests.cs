using System.Buffers;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class ChunkBasicHeaderTests
{
    [Theory]
    [InlineData("03", 0, 3)]
    [InlineData("43", 1, 3)]
    [InlineData("82", 2, 2)]
    [InlineData("FF", 3, 63)]
    [InlineData("00 00", 0, 64)]
    [InlineData("40 FF", 1, 319)]
    [InlineData("C1 00 01", 3, 320)]
    [InlineData("01 FF FF", 0, 65599)]
    [InlineData("01 00 00", 0, 64)]
    public void ReadsEveryFormAtEverySplit(string hex, int format, int chunkStreamId)
    {
        var bytes = Hex.Bytes(hex);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var sequence = Sequences.Create(bytes, split);
            var reader = new SequenceReader<byte>(sequence);
            Assert.True(ChunkBasicHeader.TryRead(ref reader, out var header));
            Assert.Equal(new ChunkBasicHeader(format, chunkStreamId), header);
            Assert.Equal(bytes.Length, reader.Consumed);

            var truncated = new SequenceReader<byte>(Sequences.Create(bytes.AsMemory(0, split == bytes.Length ? 0 : split)));
            if (split < bytes.Length)
            {
                Assert.False(ChunkBasicHeader.TryRead(ref truncated, out _));
                Assert.Equal(0, truncated.Consumed);
            }
        }
    }

    [Theory]
    [InlineData(0, 2, "02")]
    [InlineData(3, 63, "FF")]
    [InlineData(1, 64, "40 00")]
    [InlineData(0, 319, "00 FF")]
    [InlineData(2, 320, "81 00 01")]
    [InlineData(0, 65599, "01 FF FF")]
    public void WritesTheShortestForm(int format, int chunkStreamId, string expected)
    {
        var header = new ChunkBasicHeader(format, chunkStreamId);
        var buffer = new byte[3];
        var written = header.Write(buffer);
        Assert.Equal(Hex.Bytes(expected), buffer[..written]);
        Assert.Equal(written, header.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65600)]
    public void RejectsChunkStreamIdsOutOfRange(int chunkStreamId) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkBasicHeader(0, chunkStreamId).Write(new byte[3]));
}
