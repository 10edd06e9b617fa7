using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Protocol control message 3: the number of bytes received so far (wraps at 2^32).</summary>
public readonly record struct Acknowledgement(uint SequenceNumber)
{
    public const int PayloadLength = 4;

    public static Acknowledgement Parse(in ReadOnlySequence<byte> payload) =>
        new(ControlMessagePayload.ReadUInt32(payload, PayloadLength, nameof(Acknowledgement)));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, SequenceNumber);
}
