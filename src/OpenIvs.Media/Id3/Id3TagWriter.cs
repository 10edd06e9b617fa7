using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OpenIvs.Media.Id3;

/// <summary>
/// Writes ID3v2.4 tags for HLS timed metadata. A tag is a 10-byte header ("ID3", version 4.0, flags 0,
/// synchsafe size of everything after the header; ID3v2.4 structure §3.1) followed by frames.
/// </summary>
/// <remarks>
/// IVS PutMetadata is carried as one <c>TXXX</c> frame (user-defined text information, ID3v2.4 frames §4.2.6):
/// a 10-byte frame header (id, synchsafe size, two flag bytes; structure §4) and a body of text encoding
/// 0x03 (UTF-8, §4), the description (here the owner, e.g. <c>metadata.live-video.net</c>) terminated by one
/// NUL, then the value. The value is not NUL-terminated (§4.2: a terminator is optional for the last string).
/// </remarks>
public static class Id3TagWriter
{
    public const int HeaderSize = 10;
    public const int FrameHeaderSize = 10;
    private const byte Utf8Encoding = 0x03;

    /// <summary>Bytes <see cref="WriteUserTextTag(Span{byte}, ReadOnlySpan{char}, ReadOnlySpan{byte})"/> writes.</summary>
    public static int GetUserTextTagLength(ReadOnlySpan<char> description, ReadOnlySpan<byte> valueUtf8) =>
        HeaderSize + FrameHeaderSize + GetUserTextFrameBodyLength(description, valueUtf8);

    /// <summary>Writes a whole tag with one <c>TXXX</c> frame; returns the bytes written.</summary>
    /// <param name="destination">At least <see cref="GetUserTextTagLength"/> bytes.</param>
    /// <param name="description">Frame description (the metadata owner).</param>
    /// <param name="valueUtf8">The value, already UTF-8.</param>
    public static int WriteUserTextTag(Span<byte> destination, ReadOnlySpan<char> description, ReadOnlySpan<byte> valueUtf8)
    {
        var body = GetUserTextFrameBodyLength(description, valueUtf8);
        var total = HeaderSize + FrameHeaderSize + body;
        if (destination.Length < total)
        {
            throw new ArgumentException("Destination too small.", nameof(destination));
        }

        "ID3"u8.CopyTo(destination);
        destination[3] = 4; // major version 2.4
        destination[4] = 0; // revision
        destination[5] = 0; // flags: no unsynchronisation, no extended header, no footer
        SyncSafeInteger.Write(destination[6..], FrameHeaderSize + body);

        var frame = destination[HeaderSize..];
        "TXXX"u8.CopyTo(frame);
        SyncSafeInteger.Write(frame[4..], body); // v2.4 frame sizes are synchsafe too (§4)
        frame[8] = 0;
        frame[9] = 0;
        frame[10] = Utf8Encoding;
        var written = Encoding.UTF8.GetBytes(description, frame[11..]);
        frame[11 + written] = 0;
        valueUtf8.CopyTo(frame[(12 + written)..]);
        return total;
    }

    /// <summary>Writes a tag with one <c>TXXX</c> frame into <paramref name="output"/>.</summary>
    public static void WriteUserTextTag(IBufferWriter<byte> output, ReadOnlySpan<char> description, ReadOnlySpan<byte> valueUtf8)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = GetUserTextTagLength(description, valueUtf8);
        output.Advance(WriteUserTextTag(output.GetSpan(length), description, valueUtf8));
    }

    /// <summary>Owner of the PRIV frame that carries a segment's first MPEG-2 timestamp (HLS, RFC 8216bis §3.4).</summary>
    public const string TransportStreamTimestampOwner = "com.apple.streaming.transportStreamTimestamp";

    /// <summary>Bytes <see cref="WriteTransportStreamTimestampTag"/> writes.</summary>
    public const int TransportStreamTimestampTagLength = HeaderSize + FrameHeaderSize + 44 + 1 + 8;

    /// <summary>
    /// Writes a tag with one <c>PRIV</c> frame (ID3v2.4 frames §4.27): the owner
    /// <see cref="TransportStreamTimestampOwner"/>, NUL, then the 33-bit MPEG-2 timestamp as 8 big-endian bytes.
    /// Players treat it as a timestamp, not as an application's cue (hls.js makes no cue of it).
    /// </summary>
    public static int WriteTransportStreamTimestampTag(Span<byte> destination, long pts90)
    {
        if (destination.Length < TransportStreamTimestampTagLength)
        {
            throw new ArgumentException("Destination too small.", nameof(destination));
        }

        const int body = TransportStreamTimestampTagLength - HeaderSize - FrameHeaderSize;
        "ID3"u8.CopyTo(destination);
        destination[3] = 4;
        destination[4] = 0;
        destination[5] = 0;
        SyncSafeInteger.Write(destination[6..], FrameHeaderSize + body);
        var frame = destination[HeaderSize..];
        "PRIV"u8.CopyTo(frame);
        SyncSafeInteger.Write(frame[4..], body);
        frame[8] = 0;
        frame[9] = 0;
        var owner = frame[FrameHeaderSize..];
        Encoding.ASCII.GetBytes(TransportStreamTimestampOwner, owner);
        owner[44] = 0;
        BinaryPrimitives.WriteInt64BigEndian(owner[45..], pts90 & ((1L << 33) - 1));
        return TransportStreamTimestampTagLength;
    }

    /// <summary>
    /// True when <paramref name="data"/> is exactly one ID3v2.3/2.4 tag without footer: the magic, a known
    /// version, and a synchsafe size that accounts for every remaining byte.
    /// </summary>
    public static bool IsCompleteTag(ReadOnlySpan<byte> data) =>
        data.Length >= HeaderSize
        && data.StartsWith("ID3"u8)
        && data[3] is 3 or 4
        && data[4] != 0xFF
        && (data[5] & 0x10) == 0
        && SyncSafeInteger.TryRead(data[6..], out var size)
        && size == data.Length - HeaderSize;

    private static int GetUserTextFrameBodyLength(ReadOnlySpan<char> description, ReadOnlySpan<byte> valueUtf8) =>
        1 + Encoding.UTF8.GetByteCount(description) + 1 + valueUtf8.Length;
}
