using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Codecs.Aac;
using OpenIvs.Media.Codecs.Av1;
using OpenIvs.Media.Codecs.Avc;
using OpenIvs.Media.Codecs.Hevc;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp.Chunking;

namespace OpenIvs.Media.Rtmp.Session;

public sealed partial class RtmpServerSession
{
    private VideoTrackInfo? _videoTrack;
    private AudioTrackInfo? _audioTrack;
    private int _nalLengthSize = 4;
    private bool _haveTimestamp;
    private uint _lastTimestamp;
    private long _timestampEpoch;

    /// <summary>The current video configuration of the publish, if any.</summary>
    public VideoTrackInfo? VideoTrack => _videoTrack;

    /// <summary>The current audio configuration of the publish, if any.</summary>
    public AudioTrackInfo? AudioTrack => _audioTrack;

    private async ValueTask HandleVideoAsync(RtmpMessage message, CancellationToken cancellationToken)
    {
        var payload = message.Payload;
        if (!_publishing || message.MessageStreamId != _publishStreamId || payload.IsEmpty)
        {
            return; // media outside an accepted publish is dropped
        }

        FlvVideoTagHeader header;
        try
        {
            header = FlvVideoTagHeader.Parse(payload);
        }
        catch (MediaFormatException exception)
        {
            RtmpThrow.Protocol(exception.Error == MediaFormatError.Unsupported ? RtmpProtocolError.UnsupportedVideoCodec : RtmpProtocolError.InvalidMediaMessage,
                $"Video message: {exception.Message}", exception);
            return;
        }

        if (header.FrameType == FlvVideoFrameType.Command || header.PacketType is FlvVideoPacketType.SequenceEnd
            or FlvVideoPacketType.Metadata or FlvVideoPacketType.Mpeg2TsSequenceStart)
        {
            return;
        }

        if (header.Codec is not { } codec)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnsupportedVideoCodec, header.IsExHeader
                ? $"Video FourCC '{FlvFourCc.ToString(header.FourCc)}' is not supported."
                : $"FLV video codec id {header.CodecId} is not supported (AVC is 7).");
            return;
        }

        var body = payload.Slice(header.HeaderLength);
        var timestamp = ExtendTimestamp(message.Timestamp);
        if (header.PacketType == FlvVideoPacketType.SequenceStart)
        {
            var bytes = body.ToArray();
            if (_videoTrack is not null && _videoTrack.DecoderConfiguration.AsSpan().SequenceEqual(bytes))
            {
                return;
            }

            try
            {
                (_videoTrack, _nalLengthSize) = codec switch
                {
                    VideoCodec.Avc => AvcConfig(bytes),
                    VideoCodec.Hevc => HevcConfig(bytes),
                    _ => (Av1CodecConfigurationRecord.Parse(bytes).ToTrackInfo(), 0),
                };
            }
            catch (MediaFormatException exception)
            {
                RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, $"Video decoder configuration: {exception.Message}", exception);
            }

            await _handler.OnVideoConfigAsync(_videoTrack!, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_videoTrack is null || _videoTrack.Codec != codec || body.IsEmpty)
        {
            return; // frames before (or not matching) the sequence header cannot be decoded
        }

        var frame = _nalLengthSize is 0 or 4
            ? MediaFrame.Create(MediaKind.Video, body, timestamp, header.CompositionTimeOffset, header.IsKeyframe)
            : CreateWithFourByteLengths(body, timestamp, header);
        await _handler.OnFrameAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask HandleAudioAsync(RtmpMessage message, CancellationToken cancellationToken)
    {
        var payload = message.Payload;
        if (!_publishing || message.MessageStreamId != _publishStreamId || payload.IsEmpty)
        {
            return;
        }

        FlvAudioTagHeader header;
        try
        {
            header = FlvAudioTagHeader.Parse(payload);
        }
        catch (MediaFormatException exception)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, $"Audio message: {exception.Message}", exception);
            return;
        }

        if (!header.IsAac)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnsupportedAudioCodec, header.SoundFormat == FlvSoundFormat.ExHeader
                ? $"Audio FourCC '{FlvFourCc.ToString(header.FourCc)}' is not supported."
                : $"FLV sound format {(int)header.SoundFormat} is not supported (AAC is 10).");
            return;
        }

        var body = payload.Slice(header.HeaderLength);
        var timestamp = ExtendTimestamp(message.Timestamp);
        if (header.PacketType == FlvAudioTagHeader.AacSequenceHeader)
        {
            var bytes = body.ToArray();
            if (_audioTrack is not null && _audioTrack.AudioSpecificConfig.AsSpan().SequenceEqual(bytes))
            {
                return;
            }

            try
            {
                _audioTrack = AacAudioSpecificConfig.Parse(bytes).ToTrackInfo(bytes);
            }
            catch (MediaFormatException exception)
            {
                RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, $"AudioSpecificConfig: {exception.Message}", exception);
            }

            await _handler.OnAudioConfigAsync(_audioTrack, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (header.PacketType != FlvAudioTagHeader.AacRaw || _audioTrack is null || body.IsEmpty)
        {
            return;
        }

        var frame = MediaFrame.Create(MediaKind.Audio, body, timestamp, 0, isKeyframe: true);
        await _handler.OnFrameAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask HandleDataAsync(RtmpMessage message, List<AmfValue> values, CancellationToken cancellationToken)
    {
        if (!_publishing || message.MessageStreamId != _publishStreamId)
        {
            return;
        }

        var index = 0;
        if (values.Count > 0 && values[0].AsString == "@setDataFrame")
        {
            index = 1;
        }

        if (values.Count > index + 1 && values[index].AsString == "onMetaData")
        {
            var metadata = values[index + 1];
            if (metadata.Type is AmfType.Object or AmfType.EcmaArray)
            {
                await _handler.OnMetadataAsync(new RtmpStreamMetadata(metadata.Properties), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (VideoTrackInfo, int) AvcConfig(byte[] bytes)
    {
        var record = AvcDecoderConfigurationRecord.Parse(bytes);
        return (record.ToTrackInfo(), record.NalUnitLengthSize);
    }

    private static (VideoTrackInfo, int) HevcConfig(byte[] bytes)
    {
        var record = HevcDecoderConfigurationRecord.Parse(bytes);
        if (record.NalUnitLengthSize == 3)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "hvcC lengthSizeMinusOne of 2 is not allowed.");
        }

        return (record.ToTrackInfo(), record.NalUnitLengthSize);
    }

    /// <summary>Rewrites 1- or 2-byte NAL unit length prefixes as the 4-byte prefixes <see cref="MediaFrame"/> promises.</summary>
    private MediaFrame CreateWithFourByteLengths(in ReadOnlySequence<byte> body, long timestamp, FlvVideoTagHeader header)
    {
        var length = (int)body.Length;
        var source = ArrayPool<byte>.Shared.Rent(length);
        var target = ArrayPool<byte>.Shared.Rent(length / _nalLengthSize * 4 + 4);
        try
        {
            body.CopyTo(source);
            int read = 0, written = 0;
            while (read + _nalLengthSize <= length)
            {
                var nalLength = _nalLengthSize == 1 ? source[read] : BinaryPrimitives.ReadUInt16BigEndian(source.AsSpan(read));
                read += _nalLengthSize;
                if (nalLength > length - read)
                {
                    RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, "A NAL unit length runs past the end of the video message.");
                }

                BinaryPrimitives.WriteInt32BigEndian(target.AsSpan(written), nalLength);
                source.AsSpan(read, nalLength).CopyTo(target.AsSpan(written + 4));
                written += 4 + nalLength;
                read += nalLength;
            }

            return MediaFrame.Create(MediaKind.Video, target.AsSpan(0, written), timestamp, header.CompositionTimeOffset, header.IsKeyframe);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(source);
            ArrayPool<byte>.Shared.Return(target);
        }
    }

    /// <summary>Extends 32-bit RTMP timestamps to 64 bits across wrap-around (a jump back of more than 2^31 is a wrap).</summary>
    private long ExtendTimestamp(uint timestamp)
    {
        if (_haveTimestamp && timestamp < _lastTimestamp && _lastTimestamp - timestamp > 0x80000000u)
        {
            _timestampEpoch += 1L << 32;
        }
        else if (_haveTimestamp && timestamp > _lastTimestamp && timestamp - _lastTimestamp > 0x80000000u && _timestampEpoch > 0)
        {
            _timestampEpoch -= 1L << 32; // a late message from before the wrap
        }

        _haveTimestamp = true;
        _lastTimestamp = timestamp;
        return _timestampEpoch + timestamp;
    }

    private void ReleaseMediaState()
    {
        _videoTrack = null;
        _audioTrack = null;
        _nalLengthSize = 4;
    }
}
