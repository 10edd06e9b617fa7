using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Protocol control message 2: discard the partially received message on a chunk stream.</summary>
public readonly record struct AbortMessage(int ChunkStreamId)
{
    public const int PayloadLength = 4;

    public static AbortMessage Parse(in ReadOnlySequence<byte> payload)
    {
        var value = ControlMessagePayload.ReadUInt32(payload, PayloadLength, nameof(AbortMessage));
        return new AbortMessage((int)Math.Min(value, int.MaxValue));
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)ChunkStreamId);
}
