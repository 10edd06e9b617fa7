using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Flv;

/// <summary>
/// Writes an FLV stream of H.264 and AAC (legacy FLV tags, as ffmpeg and every RTMP tool read them) from
/// <see cref="MediaFrame"/>s and track configurations: the inverse of ingest's tag parsing.
/// Timestamps are milliseconds and must fit the 32-bit FLV field.
/// </summary>
public static class FlvWriter
{
    private const int TagHeaderLength = 11;

    /// <summary>The file header and PreviousTagSize0.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, bool hasVideo, bool hasAudio)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(13);
        "FLV"u8.CopyTo(span);
        span[3] = 1;
        span[4] = (byte)((hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0));
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], 9);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], 0);
        output.Advance(13);
    }

    /// <summary>An AVC sequence header (the avcC record).</summary>
    public static void WriteVideoConfig(IBufferWriter<byte> output, VideoTrackInfo video, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.Codec != VideoCodec.Avc)
        {
            throw new ArgumentException("Legacy FLV carries H.264 only.", nameof(video));
        }

        WriteTag(output, FlvTagType.Video, timestamp, [0x17, 0, 0, 0, 0], video.DecoderConfiguration);
    }

    /// <summary>An AAC sequence header (the AudioSpecificConfig).</summary>
    public static void WriteAudioConfig(IBufferWriter<byte> output, AudioTrackInfo audio, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(audio);
        WriteTag(output, FlvTagType.Audio, timestamp, [0xAF, 0], audio.AudioSpecificConfig);
    }

    /// <summary>A video (AVCC NAL units) or audio (raw AAC) frame; data frames are not written.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, MediaFrame frame, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Kind == MediaKind.Video)
        {
            var cts = frame.CompositionOffset;
            ReadOnlySpan<byte> header = [(byte)(frame.IsKeyframe ? 0x17 : 0x27), 1, (byte)(cts >> 16), (byte)(cts >> 8), (byte)cts];
            WriteTag(output, FlvTagType.Video, timestamp, header, frame.Payload.Span);
        }
        else if (frame.Kind == MediaKind.Audio)
        {
            WriteTag(output, FlvTagType.Audio, timestamp, [0xAF, 1], frame.Payload.Span);
        }
    }

    private static void WriteTag(IBufferWriter<byte> output, FlvTagType type, long timestamp, ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(output);
        var dataLength = header.Length + body.Length;
        if (dataLength > FlvFileReader.MaxTagDataLength)
        {
            throw new ArgumentException($"An FLV tag holds at most {FlvFileReader.MaxTagDataLength} bytes.", nameof(body));
        }

        var time = (uint)timestamp;
        var span = output.GetSpan(TagHeaderLength + dataLength + 4);
        span[0] = (byte)type;
        span[1] = (byte)(dataLength >> 16);
        span[2] = (byte)(dataLength >> 8);
        span[3] = (byte)dataLength;
        span[4] = (byte)(time >> 16);
        span[5] = (byte)(time >> 8);
        span[6] = (byte)time;
        span[7] = (byte)(time >> 24);
        span[8] = span[9] = span[10] = 0;
        header.CopyTo(span[TagHeaderLength..]);
        body.CopyTo(span[(TagHeaderLength + header.Length)..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(TagHeaderLength + dataLength)..], (uint)(TagHeaderLength + dataLength));
        output.Advance(TagHeaderLength + dataLength + 4);
    }
}
