using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>
/// User Control message (type 4): a 16-bit event type followed by event data. Every event defined by the
/// specification carries a 32-bit value (stream id or timestamp); Set Buffer Length adds a second one.
/// </summary>
public readonly record struct UserControlMessage(UserControlEventType EventType, uint Value, uint SecondValue = 0)
{
    /// <summary>Largest payload decoded (event type + two 32-bit values).</summary>
    public const int MaxPayloadLength = 10;

    /// <summary>Encoded length of this event.</summary>
    public int PayloadLength => EventType == UserControlEventType.SetBufferLength ? 10 : 6;

    public static UserControlMessage StreamBegin(uint streamId) => new(UserControlEventType.StreamBegin, streamId);

    public static UserControlMessage PingResponse(uint timestamp) => new(UserControlEventType.PingResponse, timestamp);

    public static UserControlMessage Parse(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < 6 || payload.Length > MaxPayloadLength)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidControlMessage, $"User control payload of {payload.Length} bytes.");
        }

        Span<byte> bytes = stackalloc byte[MaxPayloadLength];
        bytes.Clear();
        payload.CopyTo(bytes);
        var type = (UserControlEventType)BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var value = BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
        var second = payload.Length >= 10 ? BinaryPrimitives.ReadUInt32BigEndian(bytes[6..]) : 0u;
        if (type == UserControlEventType.SetBufferLength && payload.Length < 10)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidControlMessage, "Set Buffer Length needs 10 bytes.");
        }

        return new UserControlMessage(type, value, second);
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)EventType);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], Value);
        if (EventType == UserControlEventType.SetBufferLength)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[6..], SecondValue);
        }
    }
}
