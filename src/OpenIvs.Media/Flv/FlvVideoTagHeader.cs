using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Flv;

/// <summary>
/// The header of an FLV video tag body (= an RTMP video message), legacy or Enhanced RTMP.
/// </summary>
/// <remarks>
/// Legacy: <c>FrameType:4 CodecId:4</c>, and for AVC (codec id 7) <c>AVCPacketType:8 CompositionTime:SI24</c>.
/// Enhanced RTMP (top bit set): <c>IsExHeader:1 FrameType:3 PacketType:4</c>, then a FourCC (or a command byte for
/// command frames), then for AVC/HEVC CodedFrames a SI24 composition time offset. A multitrack message's header is
/// its first byte; <see cref="FlvMultitrackVideo"/> reads its tracks.
/// </remarks>
public readonly record struct FlvVideoTagHeader(
    FlvVideoFrameType FrameType,
    bool IsExHeader,
    byte CodecId,
    uint FourCc,
    FlvVideoPacketType PacketType,
    int CompositionTimeOffset,
    int HeaderLength)
{
    /// <summary>Legacy FLV codec id of AVC.</summary>
    public const byte AvcCodecId = 7;

    private const int MaxHeaderLength = 8;

    public bool IsKeyframe => FrameType is FlvVideoFrameType.Keyframe or FlvVideoFrameType.GeneratedKeyframe;

    /// <summary>The codec, or <c>null</c> when it is not one this library ingests.</summary>
    public VideoCodec? Codec => IsExHeader
        ? FourCc switch
        {
            FlvFourCc.Avc1 => VideoCodec.Avc,
            FlvFourCc.Hvc1 => VideoCodec.Hevc,
            FlvFourCc.Av01 => VideoCodec.Av1,
            _ => null,
        }
        : CodecId == AvcCodecId ? VideoCodec.Avc : null;

    /// <summary>Parses the header at the start of <paramref name="data"/>.</summary>
    /// <exception cref="MediaFormatException">The header is truncated or uses an unsupported layout.</exception>
    public static FlvVideoTagHeader Parse(in ReadOnlySequence<byte> data)
    {
        Span<byte> bytes = stackalloc byte[MaxHeaderLength];
        var available = (int)Math.Min(data.Length, MaxHeaderLength);
        data.Slice(0, available).CopyTo(bytes);
        return Parse(bytes[..available]);
    }

    /// <inheritdoc cref="Parse(in ReadOnlySequence{byte})"/>
    public static FlvVideoTagHeader Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            MediaThrow.Truncated("FLV video tag header");
        }

        var first = data[0];
        if ((first & 0x80) == 0)
        {
            var frameType = (FlvVideoFrameType)(first >> 4);
            var codecId = (byte)(first & 0x0F);
            if (codecId != AvcCodecId)
            {
                return new FlvVideoTagHeader(frameType, false, codecId, 0, FlvVideoPacketType.CodedFrames, 0, 1);
            }

            if (data.Length < 5)
            {
                MediaThrow.Truncated("FLV AVC video tag header");
            }

            if (data[1] > 2)
            {
                MediaThrow.Format(MediaFormatError.InvalidValue, $"AVCPacketType {data[1]} is invalid.");
            }

            return new FlvVideoTagHeader(frameType, false, codecId, 0, (FlvVideoPacketType)data[1], ReadInt24(data[2..]), 5);
        }

        var exFrameType = (FlvVideoFrameType)((first >> 4) & 0x07);
        var packetType = (FlvVideoPacketType)(first & 0x0F);
        if (packetType is FlvVideoPacketType.ModEx || (byte)packetType > 7)
        {
            MediaThrow.Format(MediaFormatError.Unsupported, $"Enhanced RTMP video packet type {(byte)packetType} is not supported.");
        }

        if (packetType == FlvVideoPacketType.Multitrack)
        {
            return new FlvVideoTagHeader(exFrameType, true, 0, 0, packetType, 0, 1); // the tracks: FlvMultitrackVideo
        }

        if (packetType != FlvVideoPacketType.Metadata && exFrameType == FlvVideoFrameType.Command)
        {
            if (data.Length < 2)
            {
                MediaThrow.Truncated("Enhanced RTMP video command");
            }

            return new FlvVideoTagHeader(exFrameType, true, 0, 0, packetType, 0, 2);
        }

        if (data.Length < 5)
        {
            MediaThrow.Truncated("Enhanced RTMP video tag header");
        }

        var fourCc = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        if (packetType == FlvVideoPacketType.CodedFrames && fourCc is FlvFourCc.Avc1 or FlvFourCc.Hvc1)
        {
            if (data.Length < 8)
            {
                MediaThrow.Truncated("Enhanced RTMP video tag header");
            }

            return new FlvVideoTagHeader(exFrameType, true, 0, fourCc, packetType, ReadInt24(data[5..]), 8);
        }

        return new FlvVideoTagHeader(exFrameType, true, 0, fourCc, packetType, 0, 5);
    }

    private static int ReadInt24(ReadOnlySpan<byte> bytes) => (bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8) >> 8;
}
