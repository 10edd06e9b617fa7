using System.Buffers;

namespace OpenIvs.Media.Flv;

/// <summary>
/// Enhanced RTMP (v2) multitrack video messages: several tracks' packets in one message, as OBS sends its
/// encoder ladder ("multitrack video").
/// </summary>
/// <remarks>
/// <c>IsExHeader:1 FrameType:3 PacketType:4(=6)</c>, <c>AvMultitrackType:4 PacketType:4</c>, then the FourCC unless
/// the type is ManyTracksManyCodecs; then per track: (its FourCC for ManyTracksManyCodecs), <c>TrackId:UI8</c>,
/// (<c>SizeOfTrack:UI24</c> unless OneTrack), and the track's body: for AVC/HEVC coded frames a SI24 composition time
/// offset, then the data.
/// </remarks>
public static class FlvMultitrackVideo
{
    /// <summary>AvMultitrackType: a single track in the message (no size field).</summary>
    public const byte OneTrack = 0;

    /// <summary>AvMultitrackType: several tracks sharing one FourCC.</summary>
    public const byte ManyTracks = 1;

    /// <summary>AvMultitrackType: several tracks, each with its own FourCC.</summary>
    public const byte ManyTracksManyCodecs = 2;

    /// <summary>
    /// Adds the track packets of a multitrack message (the whole video message, its first byte included) to
    /// <paramref name="packets"/>; their bodies are slices of <paramref name="message"/>.
    /// </summary>
    /// <exception cref="MediaFormatException">The message is truncated or uses a layout this library does not read.</exception>
    public static void Parse(in ReadOnlySequence<byte> message, List<FlvVideoTrackPacket> packets)
    {
        var reader = new SequenceReader<byte>(message);
        var first = ReadByte(ref reader, "Enhanced RTMP multitrack video header");
        var second = ReadByte(ref reader, "Enhanced RTMP multitrack video header");
        if ((first & 0x8F) != (0x80 | (byte)FlvVideoPacketType.Multitrack))
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "Not an Enhanced RTMP multitrack video message.");
        }

        var multitrackType = (byte)(second >> 4);
        var packetType = (FlvVideoPacketType)(second & 0x0F);
        if (multitrackType > ManyTracksManyCodecs)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"AvMultitrackType {multitrackType} is invalid.");
        }

        if (packetType is FlvVideoPacketType.Multitrack or FlvVideoPacketType.ModEx || (byte)packetType > 7)
        {
            MediaThrow.Format(MediaFormatError.Unsupported, $"Enhanced RTMP video packet type {(byte)packetType} inside a multitrack message is not supported.");
        }

        var fourCc = multitrackType == ManyTracksManyCodecs ? 0u : (uint)ReadInt(ref reader, 4, "Enhanced RTMP multitrack video FourCC");
        do
        {
            if (multitrackType == ManyTracksManyCodecs)
            {
                fourCc = (uint)ReadInt(ref reader, 4, "Enhanced RTMP multitrack video track FourCC");
            }

            var trackId = ReadByte(ref reader, "Enhanced RTMP multitrack video track id");
            var size = multitrackType == OneTrack ? reader.Remaining : ReadInt(ref reader, 3, "Enhanced RTMP multitrack video track size");
            if (size > reader.Remaining)
            {
                MediaThrow.Truncated($"Enhanced RTMP video track {trackId}");
            }

            var body = reader.UnreadSequence.Slice(0, size);
            reader.Advance(size);
            var offset = 0;
            if (packetType == FlvVideoPacketType.CodedFrames && fourCc is FlvFourCc.Avc1 or FlvFourCc.Hvc1)
            {
                var offsetReader = new SequenceReader<byte>(body);
                offset = (int)(ReadInt(ref offsetReader, 3, "Enhanced RTMP multitrack composition time offset") << 40 >> 40); // SI24
                body = offsetReader.UnreadSequence;
            }

            packets.Add(new FlvVideoTrackPacket(trackId, fourCc, packetType, offset, body));
        }
        while (multitrackType != OneTrack && !reader.End);
    }

    private static byte ReadByte(ref SequenceReader<byte> reader, string what) =>
        reader.TryRead(out var value) ? value : MediaThrow.Format<byte>(MediaFormatError.Truncated, $"{what} is truncated.");

    /// <summary>A big-endian unsigned integer of <paramref name="length"/> bytes (at most 4).</summary>
    private static long ReadInt(ref SequenceReader<byte> reader, int length, string what)
    {
        long value = 0;
        for (var i = 0; i < length; i++)
        {
            value = value << 8 | ReadByte(ref reader, what);
        }

        return value;
    }
}
