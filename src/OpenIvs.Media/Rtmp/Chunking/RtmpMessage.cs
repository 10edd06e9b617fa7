using System.Buffers;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>
/// One reassembled RTMP message. <see cref="Payload"/> is borrowed: it stays valid until the next call to
/// <see cref="RtmpChunkReader.TryReadMessage"/> and until the caller releases the input buffer it came from.
/// </summary>
public readonly struct RtmpMessage
{
    public RtmpMessage(RtmpMessageType type, uint messageStreamId, uint timestamp, int chunkStreamId, ReadOnlySequence<byte> payload)
    {
        Type = type;
        MessageStreamId = messageStreamId;
        Timestamp = timestamp;
        ChunkStreamId = chunkStreamId;
        Payload = payload;
    }

    public RtmpMessageType Type { get; }

    public uint MessageStreamId { get; }

    /// <summary>Absolute message timestamp in milliseconds (32 bits, wraps).</summary>
    public uint Timestamp { get; }

    public int ChunkStreamId { get; }

    public ReadOnlySequence<byte> Payload { get; }

    public int Length => (int)Payload.Length;
}
