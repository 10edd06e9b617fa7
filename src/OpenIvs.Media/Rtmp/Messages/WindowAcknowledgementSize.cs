using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Protocol control message 5: how many bytes the peer may receive between acknowledgements.</summary>
public readonly record struct WindowAcknowledgementSize(uint WindowSize)
{
    public const int PayloadLength = 4;

    public static WindowAcknowledgementSize Parse(in ReadOnlySequence<byte> payload)
    {
        var value = ControlMessagePayload.ReadUInt32(payload, PayloadLength, nameof(WindowAcknowledgementSize));
        if (value == 0)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidControlMessage, "Window acknowledgement size must not be 0.");
        }

        return new WindowAcknowledgementSize(value);
    }

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, WindowSize);
}
