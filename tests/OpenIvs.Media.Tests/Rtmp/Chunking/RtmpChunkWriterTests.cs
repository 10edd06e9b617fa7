using System.Buffers;
using CsCheck;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class RtmpChunkWriterTests
{
    [Fact]
    public void WritesType0ThenType3Continuations()
    {
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        var payload = Hex.Fill(200);
        writer.WriteMessage(output, 4, RtmpMessageType.Video, 1, 0x28, payload);
        var expected = Hex.Concat(Hex.Bytes("04 00 00 28 00 00 C8 09 01 00 00 00"), payload[..128], Hex.Bytes("C4"), payload[128..]);
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void CompressesHeadersLikeEncoders()
    {
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        writer.WriteMessage(output, 6, RtmpMessageType.Audio, 1, 1000, [1, 1]);
        writer.WriteMessage(output, 6, RtmpMessageType.Audio, 1, 1020, [2, 2, 2]);
        writer.WriteMessage(output, 6, RtmpMessageType.Audio, 1, 1050, [3, 3, 3]);
        writer.WriteMessage(output, 6, RtmpMessageType.Audio, 1, 1080, [4, 4, 4]);
        var expected = Hex.Concat(
            Hex.Bytes("06 00 03 E8 00 00 02 08 01 00 00 00 01 01"),
            Hex.Bytes("46 00 00 14 00 00 03 08 02 02 02"),
            Hex.Bytes("86 00 00 1E 03 03 03"),
            Hex.Bytes("C6 04 04 04"));
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WritesExtendedTimestampsOnEveryChunk()
    {
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        var payload = Hex.Fill(200);
        writer.WriteMessage(output, 4, RtmpMessageType.Video, 1, 0x12345678, payload);
        var expected = Hex.Concat(Hex.Bytes("04 FF FF FF 00 00 C8 09 01 00 00 00 12 34 56 78"), payload[..128], Hex.Bytes("C4 12 34 56 78"), payload[128..]);
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    public static Gen<(int ChunkSize, ChunkedMessage[] Messages)> Streams =>
        from chunkSize in Gen.OneOf<int>(1, 7, 128, 4096)
        from messages in Gen.Select(
            Gen.OneOf<int>(3, 4, 6, 64, 400),
            Gen.OneOf<RtmpMessageType>(RtmpMessageType.Audio, RtmpMessageType.Video, RtmpMessageType.DataAmf0),
            Gen.UInt[0, 2],
            Gen.OneOf(Gen.UInt[0, 100_000], Gen.UInt[0xFFFFF0, 0xFFFFFFFF]),
            Gen.Byte.Array[0, 700]).Select((c, t, s, ts, p) => new ChunkedMessage(c, t, s, ts, p)).Array[1, 12]
        select (chunkSize, messages);

    [Fact]
    public void ReaderReassemblesWhatTheWriterWroteAtRandomSplits()
    {
        Gen.Select(Streams, Gen.Int[0, 10_000], Gen.Bool).Sample((stream, split, compress) =>
        {
            var writer = new RtmpChunkWriter { CompressHeaders = compress };
            var output = new ArrayBufferWriter<byte>();
            var setChunkSize = new byte[4];
            new SetChunkSize(stream.ChunkSize).Write(setChunkSize);
            writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, setChunkSize);
            writer.ChunkSize = stream.ChunkSize;
            foreach (var m in stream.Messages)
            {
                writer.WriteMessage(output, m.ChunkStreamId, m.Type, m.MessageStreamId, m.Timestamp, m.Payload);
            }

            var data = output.WrittenSpan.ToArray();
            var limits = new RtmpLimits { MaxChunkSize = 128 * 1024 };
            var read = Sequences.Feed<RtmpMessage, ChunkedMessage>(data, [split % (data.Length + 1), split / 3], new RtmpChunkReader(limits).TryReadMessage, ChunkedMessage.From);
            Assert.Equal(stream.Messages.Length + 1, read.Count);
            for (var i = 0; i < stream.Messages.Length; i++)
            {
                Assert.True(stream.Messages[i].Matches(read[i + 1]), $"message {i} differs");
            }
        }, iter: 2000);
    }
}
