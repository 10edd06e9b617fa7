using System.Buffers;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>
/// The chunk basic header: a 2-bit header format (fmt) and the chunk stream id, in one, two or three bytes.
/// Ids 2..63 use one byte; 64..319 two bytes (first byte id field 0); 64..65599 three bytes (id field 1).
/// </summary>
public readonly record struct ChunkBasicHeader(int Format, int ChunkStreamId)
{
    public const int MinChunkStreamId = 2;
    public const int MaxChunkStreamId = 65599;
    public const int MaxLength = 3;

    /// <summary>Bytes this header takes when written (the shortest form).</summary>
    public int Length => ChunkStreamId < 64 ? 1 : ChunkStreamId < 320 ? 2 : 3;

    /// <summary>Reads a basic header; <c>false</c> only when more bytes are needed (the reader is then unchanged).</summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out ChunkBasicHeader header)
    {
        var start = reader.Consumed;
        if (!reader.TryRead(out var first))
        {
            header = default;
            return false;
        }

        var format = first >> 6;
        var id = first & 0x3F;
        if (id == 0)
        {
            if (!reader.TryRead(out var b1))
            {
                reader.Rewind(reader.Consumed - start);
                header = default;
                return false;
            }

            id = 64 + b1;
        }
        else if (id == 1)
        {
            if (!reader.TryRead(out var b1) || !reader.TryRead(out var b2))
            {
                reader.Rewind(reader.Consumed - start);
                header = default;
                return false;
            }

            id = 64 + b1 + (b2 << 8);
        }

        header = new ChunkBasicHeader(format, id);
        return true;
    }

    /// <summary>Writes the shortest form and returns the bytes written.</summary>
    public int Write(Span<byte> destination)
    {
        if ((uint)Format > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(Format));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkStreamId, MinChunkStreamId, nameof(ChunkStreamId));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkStreamId, MaxChunkStreamId, nameof(ChunkStreamId));
        var fmt = (byte)(Format << 6);
        if (ChunkStreamId < 64)
        {
            destination[0] = (byte)(fmt | ChunkStreamId);
            return 1;
        }

        var rest = ChunkStreamId - 64;
        if (rest < 256)
        {
            destination[1] = (byte)rest;
            destination[0] = fmt;
            return 2;
        }

        destination[2] = (byte)(rest >> 8);
        destination[1] = (byte)rest;
        destination[0] = (byte)(fmt | 1);
        return 3;
    }
}
