using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>What a chunk stream remembers between chunks: the previous header fields and the message being assembled.</summary>
internal sealed class ChunkStreamState(int chunkStreamId)
{
    public int ChunkStreamId { get; } = chunkStreamId;

    /// <summary>Absolute timestamp of the current (or last) message.</summary>
    public uint Timestamp;

    /// <summary>The timestamp value of the last type 0/1/2 header, reused by a type 3 header that starts a message.</summary>
    public uint TimestampDelta;

    /// <summary>The last type 0/1/2 header used an extended timestamp, so type 3 chunks repeat the 4 bytes.</summary>
    public bool HasExtendedTimestamp;

    public int Length;
    public RtmpMessageType TypeId;
    public uint MessageStreamId;

    /// <summary>A message is partially received on this chunk stream.</summary>
    public bool Assembling;

    /// <summary>Bytes of the current message received so far.</summary>
    public int Received;

    /// <summary>Pooled assembly buffer (at least <see cref="Length"/> bytes) while assembling or delivered.</summary>
    public byte[]? Buffer;
}
