using System.Buffers;
using OpenIvs.Media.Codecs.Aac;
using OpenIvs.Media.Codecs.Avc;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Flv;

/// <summary>
/// Turns the tags of an FLV stream of H.264 and AAC (as ffmpeg writes one) into track configurations and
/// <see cref="MediaFrame"/>s. Script tags and other codecs are skipped; malformed tags throw
/// <see cref="MediaFormatException"/>.
/// </summary>
public sealed class FlvMediaReader
{
    private bool _haveVideoConfig;
    private bool _haveAudioConfig;

    /// <summary>Added to every frame's timestamp (milliseconds): maps the FLV's clock onto another.</summary>
    public long TimestampOffset { get; set; }

    /// <summary>The newest video configuration (set when a tag returned <see cref="FlvMediaItem.VideoConfig"/>).</summary>
    public VideoTrackInfo? Video { get; private set; }

    /// <summary>The newest audio configuration.</summary>
    public AudioTrackInfo? Audio { get; private set; }

    /// <summary>Reads one tag. A frame, when one is returned, holds one reference the caller owns.</summary>
    public FlvMediaItem Read(in FlvTag tag, out MediaFrame? frame)
    {
        frame = null;
        var data = tag.Data;
        if (tag.Type == FlvTagType.Video && !data.IsEmpty)
        {
            var header = FlvVideoTagHeader.Parse(data);
            if (header.Codec != VideoCodec.Avc)
            {
                return FlvMediaItem.None;
            }

            var body = data.Slice(header.HeaderLength);
            if (header.PacketType == FlvVideoPacketType.SequenceStart)
            {
                var record = AvcDecoderConfigurationRecord.Parse(body.ToArray());
                if (record.NalUnitLengthSize != 4)
                {
                    MediaThrow.Format(MediaFormatError.Unsupported, "Only 4-byte NAL unit lengths are read from FLV.");
                }

                Video = record.ToTrackInfo();
                _haveVideoConfig = true;
                return FlvMediaItem.VideoConfig;
            }

            if (header.PacketType != FlvVideoPacketType.CodedFrames || !_haveVideoConfig || body.IsEmpty)
            {
                return FlvMediaItem.None;
            }

            frame = MediaFrame.Create(MediaKind.Video, body, tag.Timestamp + TimestampOffset, header.CompositionTimeOffset, header.IsKeyframe);
            return FlvMediaItem.Frame;
        }

        if (tag.Type == FlvTagType.Audio && !data.IsEmpty)
        {
            var header = FlvAudioTagHeader.Parse(data);
            if (!header.IsAac)
            {
                return FlvMediaItem.None;
            }

            var body = data.Slice(header.HeaderLength);
            if (header.PacketType == FlvAudioTagHeader.AacSequenceHeader)
            {
                var bytes = body.ToArray();
                Audio = AacAudioSpecificConfig.Parse(bytes).ToTrackInfo(bytes);
                _haveAudioConfig = true;
                return FlvMediaItem.AudioConfig;
            }

            if (header.PacketType != FlvAudioTagHeader.AacRaw || !_haveAudioConfig || body.IsEmpty)
            {
                return FlvMediaItem.None;
            }

            frame = MediaFrame.Create(MediaKind.Audio, body, tag.Timestamp + TimestampOffset, 0, isKeyframe: true);
            return FlvMediaItem.Frame;
        }

        return FlvMediaItem.None;
    }
}
