using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Flv;

/// <summary>
/// The header of an FLV audio tag body (= an RTMP audio message).
/// Legacy: <c>SoundFormat:4 SoundRate:2 SoundSize:1 SoundType:1</c>, and for AAC an AACPacketType byte
/// (0 = AudioSpecificConfig, 1 = raw frame). Enhanced RTMP audio (SoundFormat 9): <c>PacketType:4</c> in the low
/// nibble then a FourCC.
/// </summary>
public readonly record struct FlvAudioTagHeader(
    FlvSoundFormat SoundFormat,
    byte SoundRate,
    bool Is16Bit,
    bool IsStereo,
    byte PacketType,
    uint FourCc,
    int HeaderLength)
{
    /// <summary>AACPacketType of an AudioSpecificConfig.</summary>
    public const byte AacSequenceHeader = 0;

    /// <summary>AACPacketType of a raw AAC frame.</summary>
    public const byte AacRaw = 1;

    public bool IsAac => SoundFormat == FlvSoundFormat.Aac || (SoundFormat == FlvSoundFormat.ExHeader && FourCc == FlvFourCc.Mp4a);

    public static FlvAudioTagHeader Parse(in ReadOnlySequence<byte> data)
    {
        Span<byte> bytes = stackalloc byte[5];
        var available = (int)Math.Min(data.Length, bytes.Length);
        data.Slice(0, available).CopyTo(bytes);
        return Parse(bytes[..available]);
    }

    public static FlvAudioTagHeader Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            MediaThrow.Truncated("FLV audio tag header");
        }

        var first = data[0];
        var format = (FlvSoundFormat)(first >> 4);
        if (format == FlvSoundFormat.ExHeader)
        {
            if (data.Length < 5)
            {
                MediaThrow.Truncated("Enhanced RTMP audio tag header");
            }

            return new FlvAudioTagHeader(format, 0, false, false, (byte)(first & 0x0F), BinaryPrimitives.ReadUInt32BigEndian(data[1..]), 5);
        }

        var rate = (byte)((first >> 2) & 0x03);
        var is16Bit = (first & 0x02) != 0;
        var stereo = (first & 0x01) != 0;
        if (format != FlvSoundFormat.Aac)
        {
            return new FlvAudioTagHeader(format, rate, is16Bit, stereo, 0, 0, 1);
        }

        if (data.Length < 2)
        {
            MediaThrow.Truncated("FLV AAC audio tag header");
        }

        return new FlvAudioTagHeader(format, rate, is16Bit, stereo, data[1], 0, 2);
    }
}
