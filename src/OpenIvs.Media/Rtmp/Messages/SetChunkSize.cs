using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Protocol control message 1: the sender's chunk size from now on (31 bits, top bit reserved zero).</summary>
public readonly record struct SetChunkSize(int ChunkSize)
{
    public const int PayloadLength = 4;

    /// <summary>Decodes and validates the value against 1..<paramref name="maxChunkSize"/>.</summary>
    public static SetChunkSize Parse(in ReadOnlySequence<byte> payload, int maxChunkSize)
    {
        var value = ControlMessagePayload.ReadUInt32(payload, PayloadLength, nameof(SetChunkSize));
        if (value == 0 || value > 0x7FFFFFFF || value > (uint)maxChunkSize)
        {
            RtmpThrow.Protocol(RtmpProtocolError.ChunkSizeOutOfRange, $"Peer chunk size {value} is outside 1..{maxChunkSize}.");
        }

        return new SetChunkSize((int)value);
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)ChunkSize);
}
