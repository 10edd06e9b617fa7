using System.Buffers;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class RtmpChunkReaderTests
{
    private static List<ChunkedMessage> ReadAtEverySplit(byte[] data, RtmpLimits? limits = null, Action<List<ChunkedMessage>>? check = null) =>
        Sequences.FeedAtEverySplit<RtmpMessage, ChunkedMessage>(
            data,
            () => new RtmpChunkReader(limits).TryReadMessage,
            ChunkedMessage.From,
            check);

    private static RtmpProtocolException ReadExpectingError(byte[] data, RtmpLimits? limits = null)
    {
        using var reader = new RtmpChunkReader(limits);
        var buffer = new ReadOnlySequence<byte>(data);
        return Assert.Throws<RtmpProtocolException>(() =>
        {
            while (reader.TryReadMessage(ref buffer, out _))
            {
            }
        });
    }

    [Fact]
    public void Type0SingleChunk()
    {
        var data = Hex.Bytes("03 00 00 10 00 00 05 14 00 00 00 00 01 02 03 04 05");
        var messages = ReadAtEverySplit(data);
        var message = Assert.Single(messages);
        Assert.True(new ChunkedMessage(3, RtmpMessageType.CommandAmf0, 0, 0x10, [1, 2, 3, 4, 5]).Matches(message));
    }

    [Theory]
    [InlineData("00 0A", 74)]
    [InlineData("01 FF FF", 65599)]
    [InlineData("3F", 63)]
    public void TwoAndThreeByteBasicHeaders(string basic, int chunkStreamId)
    {
        var data = Hex.Concat(Hex.Bytes(basic), Hex.Bytes("00 00 00 00 00 01 08 01 00 00 00 AA"));
        var message = Assert.Single(ReadAtEverySplit(data));
        Assert.Equal(chunkStreamId, message.ChunkStreamId);
        Assert.Equal(RtmpMessageType.Audio, message.Type);
        Assert.Equal(1u, message.MessageStreamId);
        Assert.Equal(new byte[] { 0xAA }, message.Payload);
    }

    [Fact]
    public void ExtendedTimestampOnType0()
    {
        var data = Hex.Bytes("03 FF FF FF 00 00 02 08 01 00 00 00 01 00 00 00 AA BB");
        var message = Assert.Single(ReadAtEverySplit(data));
        Assert.Equal(0x01000000u, message.Timestamp);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, message.Payload);
    }

    [Fact]
    public void Type3ContinuationRepeatsTheExtendedTimestamp()
    {
        var payload = Hex.Fill(200);
        var data = Hex.Concat(
            Hex.Bytes("04 FF FF FF 00 00 C8 09 01 00 00 00 12 34 56 78"), payload[..128],
            Hex.Bytes("C4 12 34 56 78"), payload[128..]);
        var message = Assert.Single(ReadAtEverySplit(data));
        Assert.Equal(0x12345678u, message.Timestamp);
        Assert.Equal(payload, message.Payload);
    }

    [Fact]
    public void Type3NewMessageAfterExtendedDeltaAddsTheRepeatedValue()
    {
        // type 1 with an extended delta of 0x01000000, then a type 3 message repeating it
        var data = Hex.Concat(
            Hex.Bytes("05 00 00 0A 00 00 01 08 01 00 00 00 01"),
            Hex.Bytes("45 FF FF FF 00 00 01 08 01 00 00 00 02"),
            Hex.Bytes("C5 01 00 00 00 03"));
        var messages = ReadAtEverySplit(data);
        Assert.Equal([10u, 10u + 0x01000000, 10u + 0x02000000], messages.Select(m => m.Timestamp));
        Assert.Equal([1, 2, 3], messages.Select(m => (int)m.Payload[0]));
    }

    [Fact]
    public void Type1Type2Type3Deltas()
    {
        var data = Hex.Concat(
            Hex.Bytes("06 00 03 E8 00 00 02 08 01 00 00 00 01 01"), // ts 1000, len 2
            Hex.Bytes("46 00 00 14 00 00 03 08 02 02 02"), // +20, len 3
            Hex.Bytes("86 00 00 1E 03 03 03"), // +30, same length and type
            Hex.Bytes("C6 04 04 04"), // +30 again
            Hex.Bytes("C6 05 05 05"));
        var messages = ReadAtEverySplit(data);
        Assert.Equal([1000u, 1020u, 1050u, 1080u, 1110u], messages.Select(m => m.Timestamp));
        Assert.Equal([2, 3, 3, 3, 3], messages.Select(m => m.Payload.Length));
        Assert.All(messages, m => Assert.Equal(1u, m.MessageStreamId));
        Assert.All(messages, m => Assert.Equal(RtmpMessageType.Audio, m.Type));
    }

    [Fact]
    public void Type3AfterType0ReusesTheType0TimestampAsDelta()
    {
        var data = Hex.Concat(Hex.Bytes("06 00 00 05 00 00 01 08 01 00 00 00 01"), Hex.Bytes("C6 02"));
        Assert.Equal([5u, 10u], ReadAtEverySplit(data).Select(m => m.Timestamp));
    }

    [Fact]
    public void ChunkSizeChangeMidStream()
    {
        var payload = Hex.Fill(10);
        var data = Hex.Concat(
            Hex.Bytes("02 00 00 00 00 00 04 01 00 00 00 00 00 00 00 04"), // Set Chunk Size 4
            Hex.Bytes("04 00 00 00 00 00 0A 09 01 00 00 00"), payload[..4],
            Hex.Bytes("C4"), payload[4..8],
            Hex.Bytes("C4"), payload[8..]);
        var messages = ReadAtEverySplit(data);
        Assert.Equal(2, messages.Count);
        Assert.Equal(RtmpMessageType.SetChunkSize, messages[0].Type);
        Assert.Equal(payload, messages[1].Payload);
    }

    [Fact]
    public void InterleavedChunkStreams()
    {
        var video = Hex.Fill(200, 7);
        var audio = Hex.Fill(50, 9);
        var data = Hex.Concat(
            Hex.Bytes("06 00 00 28 00 00 C8 09 01 00 00 00"), video[..128],
            Hex.Bytes("04 00 00 21 00 00 32 08 01 00 00 00"), audio,
            Hex.Bytes("C6"), video[128..]);
        var messages = ReadAtEverySplit(data);
        Assert.Equal(2, messages.Count);
        Assert.Equal((4, RtmpMessageType.Audio, 0x21u), (messages[0].ChunkStreamId, messages[0].Type, messages[0].Timestamp));
        Assert.Equal(audio, messages[0].Payload);
        Assert.Equal((6, RtmpMessageType.Video, 0x28u), (messages[1].ChunkStreamId, messages[1].Type, messages[1].Timestamp));
        Assert.Equal(video, messages[1].Payload);
    }

    [Fact]
    public void AbortDiscardsThePartialMessage()
    {
        var data = Hex.Concat(
            Hex.Bytes("06 00 00 00 00 00 C8 09 01 00 00 00"), Hex.Fill(128),
            Hex.Bytes("02 00 00 00 00 00 04 02 00 00 00 00 00 00 00 06"), // Abort chunk stream 6
            Hex.Bytes("06 00 00 01 00 00 02 09 01 00 00 00 AB CD"));
        var messages = ReadAtEverySplit(data);
        Assert.Equal(2, messages.Count);
        Assert.Equal(RtmpMessageType.Abort, messages[0].Type);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, messages[1].Payload);

        using var reader = new RtmpChunkReader();
        var buffer = new ReadOnlySequence<byte>(data);
        while (reader.TryReadMessage(ref buffer, out _))
        {
        }

        Assert.Equal(0, reader.InFlightBytes);
        Assert.Equal(data.Length, reader.BytesRead);
    }

    [Fact]
    public void ZeroLengthMessage()
    {
        var message = Assert.Single(ReadAtEverySplit(Hex.Bytes("03 00 00 00 00 00 00 12 01 00 00 00")));
        Assert.Empty(message.Payload);
    }

    [Fact]
    public void FalseMeansOnlyNeedMoreBytes()
    {
        using var reader = new RtmpChunkReader();
        var buffer = new ReadOnlySequence<byte>(Hex.Bytes("03 00 00 10 00 00 05 14 00 00"));
        Assert.False(reader.TryReadMessage(ref buffer, out _));
        Assert.Equal(10, buffer.Length); // an incomplete header is not consumed
    }

    [Theory]
    [InlineData("7F FF FF FF")]
    [InlineData("80 00 00 80")]
    [InlineData("00 00 00 00")]
    [InlineData("00 10 00 01")]
    public void PeerChunkSizeOutsideTheLimitsIsRejected(string value)
    {
        var limits = new RtmpLimits { MaxChunkSize = 1024 * 1024 };
        var error = ReadExpectingError(Hex.Concat(Hex.Bytes("02 00 00 00 00 00 04 01 00 00 00 00"), Hex.Bytes(value)), limits);
        Assert.Equal(RtmpProtocolError.ChunkSizeOutOfRange, error.Error);
    }

    [Fact]
    public void SetChunkSizeWithWrongLengthIsRejected()
    {
        var error = ReadExpectingError(Hex.Bytes("02 00 00 00 00 00 03 01 00 00 00 00 00 10 00"));
        Assert.Equal(RtmpProtocolError.InvalidControlMessage, error.Error);
    }

    [Fact]
    public void MessageOverTheLimitIsRejectedFromItsHeaderAlone()
    {
        var limits = new RtmpLimits { MaxMessageLength = 64 * 1024 };
        var error = ReadExpectingError(Hex.Bytes("04 00 00 00 01 00 01 09 01 00 00 00"), limits); // 65537 bytes declared, none sent
        Assert.Equal(RtmpProtocolError.MessageTooLarge, error.Error);
    }

    [Fact]
    public void ThousandsOfChunkStreamIdsAreRejectedAtTheLimit()
    {
        var limits = new RtmpLimits { MaxChunkStreams = 64 };
        using var reader = new RtmpChunkReader(limits);
        var stream = new List<byte>();
        for (var id = 64; id < 3000; id++)
        {
            stream.AddRange([0x01, (byte)(id - 64), (byte)((id - 64) >> 8), 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0, 0xAA]);
        }

        var buffer = new ReadOnlySequence<byte>(stream.ToArray());
        var read = 0;
        var error = Assert.Throws<RtmpProtocolException>(() =>
        {
            while (reader.TryReadMessage(ref buffer, out _))
            {
                read++;
            }
        });
        Assert.Equal(RtmpProtocolError.TooManyChunkStreams, error.Error);
        Assert.Equal(64, read);
        Assert.Equal(64, reader.ChunkStreamCount);
    }

    [Fact]
    public void PartialMessagesBeyondTheInFlightLimitAreRejected()
    {
        var limits = new RtmpLimits { MaxInFlightBytes = 1024 * 1024, MaxMessageLength = 512 * 1024 };
        using var reader = new RtmpChunkReader(limits);
        var stream = new List<byte>();
        for (var id = 3; id < 10; id++)
        {
            // each chunk stream starts a 400 KiB message and sends only its first 128-byte chunk
            stream.AddRange([(byte)id, 0, 0, 0, 0x06, 0x40, 0x00, 9, 1, 0, 0, 0]);
            stream.AddRange(new byte[128]);
        }

        var buffer = new ReadOnlySequence<byte>(stream.ToArray());
        var error = Assert.Throws<RtmpProtocolException>(() => reader.TryReadMessage(ref buffer, out _));
        Assert.Equal(RtmpProtocolError.InFlightBytesExceeded, error.Error);
        Assert.True(reader.InFlightBytes <= limits.MaxInFlightBytes);
    }

    [Theory]
    [InlineData("43 00 00 00 00 00 01 08 AA")]
    [InlineData("83 00 00 00 AA")]
    [InlineData("C3 AA")]
    public void HeaderWithoutAPreviousType0IsRejected(string hex) =>
        Assert.Equal(RtmpProtocolError.MissingPreviousHeader, ReadExpectingError(Hex.Bytes(hex)).Error);

    [Fact]
    public void NewHeaderInTheMiddleOfAMessageIsRejected()
    {
        var data = Hex.Concat(Hex.Bytes("06 00 00 00 00 00 C8 09 01 00 00 00"), Hex.Fill(128), Hex.Bytes("46 00 00 00 00 00 02 09 AA BB"));
        Assert.Equal(RtmpProtocolError.HeaderInterruptsMessage, ReadExpectingError(data).Error);
    }

    [Fact]
    public void DisposeReturnsPartialBuffers()
    {
        var reader = new RtmpChunkReader();
        var buffer = new ReadOnlySequence<byte>(Hex.Concat(Hex.Bytes("06 00 00 00 00 00 C8 09 01 00 00 00"), Hex.Fill(100)));
        Assert.False(reader.TryReadMessage(ref buffer, out _));
        Assert.Equal(200, reader.InFlightBytes);
        reader.Dispose();
        Assert.Equal(0, reader.InFlightBytes);
    }
}
