using System.Buffers;
using System.Buffers.Binary;

namespace OpenIvs.Media.Flv;

/// <summary>
/// Reads FLV files (header, then PreviousTagSize0, then tag + PreviousTagSize pairs) as pure steps over a
/// <see cref="ReadOnlySequence{T}"/>. <c>false</c> only means more bytes are needed; malformed input throws
/// <see cref="MediaFormatException"/>.
/// </summary>
public static class FlvFileReader
{
    /// <summary>Largest FLV tag body (24-bit size field).</summary>
    public const int MaxTagDataLength = 0xFFFFFF;

    private const int TagHeaderLength = 11;

    /// <summary>Reads the file header and the PreviousTagSize0 after it.</summary>
    public static bool TryReadHeader(ref ReadOnlySequence<byte> buffer, out FlvFileHeader header)
    {
        header = default;
        Span<byte> bytes = stackalloc byte[9];
        if (buffer.Length < bytes.Length)
        {
            return false;
        }

        buffer.Slice(0, 9).CopyTo(bytes);
        if (bytes[0] != (byte)'F' || bytes[1] != (byte)'L' || bytes[2] != (byte)'V')
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "Not an FLV file (signature).");
        }

        var dataOffset = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
        if (dataOffset < 9 || dataOffset > 1024)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"FLV data offset {dataOffset} is invalid.");
        }

        if (buffer.Length < dataOffset + 4)
        {
            return false;
        }

        header = new FlvFileHeader(bytes[3], (bytes[4] & 0x04) != 0, (bytes[4] & 0x01) != 0, dataOffset);
        buffer = buffer.Slice(dataOffset + 4);
        return true;
    }

    /// <summary>Reads one tag and the PreviousTagSize that follows it.</summary>
    public static bool TryReadTag(ref ReadOnlySequence<byte> buffer, out FlvTag tag)
    {
        tag = default;
        Span<byte> bytes = stackalloc byte[TagHeaderLength];
        if (buffer.Length < TagHeaderLength)
        {
            return false;
        }

        buffer.Slice(0, TagHeaderLength).CopyTo(bytes);
        var dataLength = bytes[1] << 16 | bytes[2] << 8 | bytes[3];
        var total = TagHeaderLength + dataLength + 4L;
        if (buffer.Length < total)
        {
            return false;
        }

        var type = (FlvTagType)(bytes[0] & 0x1F);
        var timestamp = (uint)(bytes[7] << 24 | bytes[4] << 16 | bytes[5] << 8 | bytes[6]);
        Span<byte> previousSize = stackalloc byte[4];
        buffer.Slice(TagHeaderLength + dataLength, 4).CopyTo(previousSize);
        if (BinaryPrimitives.ReadUInt32BigEndian(previousSize) != TagHeaderLength + dataLength)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "FLV PreviousTagSize does not match the tag.");
        }

        tag = new FlvTag(type, timestamp, (bytes[0] & 0x20) != 0, buffer.Slice(TagHeaderLength, dataLength));
        buffer = buffer.Slice(total);
        return true;
    }
}
