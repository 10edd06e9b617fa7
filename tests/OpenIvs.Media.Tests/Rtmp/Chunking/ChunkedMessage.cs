using System.Buffers;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

/// <summary>A reassembled message copied out of the reader's borrowed buffer.</summary>
public sealed record ChunkedMessage(int ChunkStreamId, RtmpMessageType Type, uint MessageStreamId, uint Timestamp, byte[] Payload)
{
    public static ChunkedMessage From(RtmpMessage message) =>
        new(message.ChunkStreamId, message.Type, message.MessageStreamId, message.Timestamp, message.Payload.ToArray());

    public bool Matches(ChunkedMessage other) =>
        ChunkStreamId == other.ChunkStreamId && Type == other.Type && MessageStreamId == other.MessageStreamId
        && Timestamp == other.Timestamp && Payload.AsSpan().SequenceEqual(other.Payload);
}
