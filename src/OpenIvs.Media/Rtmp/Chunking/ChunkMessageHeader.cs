using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>
/// The chunk message header that follows the basic header: type 0 (11 bytes: timestamp, length, type id, message
/// stream id), type 1 (7 bytes: timestamp delta, length, type id), type 2 (3 bytes: timestamp delta), type 3 (none).
/// Fields a format does not carry are 0. A timestamp field of <see cref="ExtendedTimestampMarker"/> means a
/// 4-byte extended timestamp follows the header.
/// </summary>
public readonly record struct ChunkMessageHeader(uint TimestampField, int Length, RtmpMessageType TypeId, uint MessageStreamId)
{
    public const uint ExtendedTimestampMarker = 0xFFFFFF;

    /// <summary>True when a 4-byte extended timestamp follows.</summary>
    public bool HasExtendedTimestamp => TimestampField == ExtendedTimestampMarker;

    /// <summary>Bytes of message header for a chunk header format.</summary>
    public static int GetLength(int format) => format switch
    {
        0 => 11,
        1 => 7,
        2 => 3,
        _ => 0,
    };

    /// <summary>Reads the header of <paramref name="format"/>; <c>false</c> only when more bytes are needed.</summary>
    public static bool TryRead(ref SequenceReader<byte> reader, int format, out ChunkMessageHeader header)
    {
        var length = GetLength(format);
        Span<byte> bytes = stackalloc byte[11];
        if (!reader.TryCopyTo(bytes[..length]))
        {
            header = default;
            return false;
        }

        reader.Advance(length);
        header = format switch
        {
            0 => new ChunkMessageHeader(ReadUInt24(bytes), (int)ReadUInt24(bytes[3..]), (RtmpMessageType)bytes[6], BinaryPrimitives.ReadUInt32LittleEndian(bytes[7..])),
            1 => new ChunkMessageHeader(ReadUInt24(bytes), (int)ReadUInt24(bytes[3..]), (RtmpMessageType)bytes[6], 0),
            2 => new ChunkMessageHeader(ReadUInt24(bytes), 0, 0, 0),
            _ => default,
        };
        return true;
    }

    /// <summary>Writes the fields <paramref name="format"/> carries and returns the bytes written.</summary>
    public int Write(int format, Span<byte> destination)
    {
        if (format <= 2)
        {
            WriteUInt24(destination, TimestampField);
        }

        if (format <= 1)
        {
            WriteUInt24(destination[3..], (uint)Length);
            destination[6] = (byte)TypeId;
        }

        if (format == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[7..], MessageStreamId);
        }

        return GetLength(format);
    }

    private static uint ReadUInt24(ReadOnlySpan<byte> bytes) => (uint)(bytes[0] << 16 | bytes[1] << 8 | bytes[2]);

    private static void WriteUInt24(Span<byte> destination, uint value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}
