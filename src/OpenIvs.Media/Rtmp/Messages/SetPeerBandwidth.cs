using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Protocol control message 6: limit the peer's output bandwidth (window size + limit type).</summary>
public readonly record struct SetPeerBandwidth(uint WindowSize, PeerBandwidthLimitType LimitType)
{
    public const int PayloadLength = 5;

    public static SetPeerBandwidth Parse(in ReadOnlySequence<byte> payload)
    {
        Span<byte> bytes = stackalloc byte[PayloadLength];
        ControlMessagePayload.ReadExact(payload, PayloadLength, bytes, nameof(SetPeerBandwidth));
        if (bytes[4] > (byte)PeerBandwidthLimitType.Dynamic)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidControlMessage, $"Unknown peer bandwidth limit type {bytes[4]}.");
        }

        return new SetPeerBandwidth(BinaryPrimitives.ReadUInt32BigEndian(bytes), (PeerBandwidthLimitType)bytes[4]);
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, WindowSize);
        destination[4] = (byte)LimitType;
    }
}
