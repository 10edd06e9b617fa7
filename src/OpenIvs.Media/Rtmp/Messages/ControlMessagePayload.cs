using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Shared decoding of the fixed-size big-endian protocol control payloads.</summary>
internal static class ControlMessagePayload
{
    public static uint ReadUInt32(in ReadOnlySequence<byte> payload, int expectedLength, string name)
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadExact(payload, expectedLength, bytes[..expectedLength], name);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static void ReadExact(in ReadOnlySequence<byte> payload, int expectedLength, Span<byte> destination, string name)
    {
        if (payload.Length != expectedLength)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidControlMessage, $"{name} payload must be {expectedLength} bytes, was {payload.Length}.");
        }

        payload.CopyTo(destination);
    }
}
