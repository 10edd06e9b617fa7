using System.Buffers.Binary;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// PES packet header (ISO/IEC 13818-1 §2.4.3.6-7) with PTS, or PTS and DTS, in 90 kHz units (33 bits).
/// </summary>
public static class PesHeader
{
    public const byte VideoStreamId = 0xE0;
    public const byte AudioStreamId = 0xC0;

    /// <summary>private_stream_1, which Apple's timed-metadata spec uses for ID3 PES packets.</summary>
    public const byte PrivateStream1 = 0xBD;

    /// <summary>Header bytes for a PES with or without a DTS.</summary>
    public static int GetSize(bool withDts) => withDts ? 19 : 14;

    /// <summary>Writes the header; returns its size.</summary>
    /// <param name="destination">Destination span.</param>
    /// <param name="streamId">stream_id.</param>
    /// <param name="payloadLength">Bytes following the header; PES_packet_length is 0 (unbounded, video only) when it does not fit 16 bits.</param>
    /// <param name="pts">Presentation time stamp, 90 kHz.</param>
    /// <param name="dts">Decode time stamp, or -1 to omit (then PTS == DTS).</param>
    public static int Write(Span<byte> destination, byte streamId, int payloadLength, long pts, long dts)
    {
        var withDts = dts >= 0;
        var size = GetSize(withDts);
        destination[0] = 0;
        destination[1] = 0;
        destination[2] = 1;
        destination[3] = streamId;
        var length = size - 6 + payloadLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], length > ushort.MaxValue ? (ushort)0 : (ushort)length);
        destination[6] = 0x84; // '10', not scrambled, priority 0, data_alignment_indicator 1
        destination[7] = withDts ? (byte)0xC0 : (byte)0x80; // PTS_DTS_flags
        destination[8] = withDts ? (byte)10 : (byte)5; // PES_header_data_length
        WriteTimestamp(destination[9..], withDts ? (byte)0b0011 : (byte)0b0010, pts);
        if (withDts)
        {
            WriteTimestamp(destination[14..], 0b0001, dts);
        }

        return size;
    }

    /// <summary>A 33-bit time stamp in five bytes with marker bits (§2.4.3.7).</summary>
    public static void WriteTimestamp(Span<byte> destination, byte prefix, long timestamp)
    {
        var ts = (ulong)timestamp & 0x1FFFFFFFF;
        destination[0] = (byte)((prefix << 4) | (int)(((ts >> 30) & 0x07) << 1) | 1);
        destination[1] = (byte)(ts >> 22);
        destination[2] = (byte)((((ts >> 15) & 0x7F) << 1) | 1);
        destination[3] = (byte)(ts >> 7);
        destination[4] = (byte)(((ts & 0x7F) << 1) | 1);
    }

    /// <summary>Reads a five-byte time stamp written by <see cref="WriteTimestamp"/> (marker bits are not checked).</summary>
    public static long ReadTimestamp(ReadOnlySpan<byte> source) =>
        ((long)(source[0] >> 1) & 0x07) << 30
        | (long)source[1] << 22
        | (long)(source[2] >> 1) << 15
        | (long)source[3] << 7
        | (long)(source[4] >> 1);
}
