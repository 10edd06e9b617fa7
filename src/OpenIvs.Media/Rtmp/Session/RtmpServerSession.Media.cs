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
    private const int MaxVideoTracks = 16; // OBS sends up to 5; more is a broken or hostile publisher
    private readonly Dictionary<byte, VideoTrackState> _tracks = [];
    private readonly List<FlvVideoTrackPacket> _trackPackets = [];
    private VideoTrackState _mainTrack = VideoTrackState.None;
    private AudioTrackInfo? _audioTrack;
    private bool _haveTimestamp;
    private uint _lastTimestamp;
    private long _timestampEpoch;
    private MediaFrame? _spareFrame; // the last frame that nobody but this session held: refilled for the next one

    /// <summary>The current video configuration of the publish, if any.</summary>
    public VideoTrackInfo? VideoTrack => _mainTrack.Info;

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

        if (header.FrameType == FlvVideoFrameType.Command)
        {
            return;
        }

        var timestamp = ExtendTimestamp(message.Timestamp);
        if (header.PacketType != FlvVideoPacketType.Multitrack)
        {
            await HandleVideoTrackAsync(0, header.Codec, header.IsExHeader ? header.FourCc : null, header.CodecId, header.PacketType,
                header.IsKeyframe, header.CompositionTimeOffset, payload.Slice(header.HeaderLength), timestamp, cancellationToken).ConfigureAwait(false);
            return;
        }

        _trackPackets.Clear();
        try
        {
            FlvMultitrackVideo.Parse(payload, _trackPackets);
        }
        catch (MediaFormatException exception)
        {
            RtmpThrow.Protocol(exception.Error == MediaFormatError.Unsupported ? RtmpProtocolError.UnsupportedVideoCodec : RtmpProtocolError.InvalidMediaMessage,
                $"Multitrack video message: {exception.Message}", exception);
        }

        foreach (var track in _trackPackets)
        {
            await HandleVideoTrackAsync(track.TrackId, track.Codec, track.FourCc, 0, track.PacketType,
                header.IsKeyframe, track.CompositionTimeOffset, track.Body, timestamp, cancellationToken).ConfigureAwait(false);
        }

        _trackPackets.Clear(); // the bodies are slices of the message, released after this call
    }

    /// <summary>One track's packet: track 0 is the main video track (single-track input has only it).</summary>
    private async ValueTask HandleVideoTrackAsync(byte trackId, VideoCodec? codec, uint? fourCc, byte codecId, FlvVideoPacketType packetType,
        bool isKeyframe, int compositionTimeOffset, ReadOnlySequence<byte> body, long timestamp, CancellationToken cancellationToken)
    {
        if (packetType is FlvVideoPacketType.SequenceEnd or FlvVideoPacketType.Metadata or FlvVideoPacketType.Mpeg2TsSequenceStart)
        {
            return;
        }

        if (codec is not { } known)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnsupportedVideoCodec, fourCc is { } code
                ? $"Video FourCC '{FlvFourCc.ToString(code)}' is not supported."
                : $"FLV video codec id {codecId} is not supported (AVC is 7).");
            return;
        }

        var state = trackId == 0 ? _mainTrack : _tracks.GetValueOrDefault(trackId);
        if (packetType == FlvVideoPacketType.SequenceStart)
        {
            var bytes = body.ToArray();
            if (state.Info is not null && state.Info.DecoderConfiguration.AsSpan().SequenceEqual(bytes))
            {
                return;
            }

            if (trackId != 0 && state.Info is null && _tracks.Count >= MaxVideoTracks)
            {
                RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, $"More than {MaxVideoTracks} video tracks.");
            }

            try
            {
                state = known switch
                {
                    VideoCodec.Avc => AvcConfig(bytes),
                    VideoCodec.Hevc => HevcConfig(bytes),
                    _ => new VideoTrackState(Av1CodecConfigurationRecord.Parse(bytes).ToTrackInfo(), 0),
                };
            }
            catch (MediaFormatException exception)
            {
                RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, $"Video decoder configuration: {exception.Message}", exception);
            }

            if (trackId == 0)
            {
                _mainTrack = state;
                await _handler.OnVideoConfigAsync(state.Info!, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _tracks[trackId] = state;
                await _handler.OnVideoTrackConfigAsync(trackId, state.Info!, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (state.Info is null || state.Info.Codec != known || body.IsEmpty)
        {
            return; // frames before (or not matching) the sequence header cannot be decoded
        }

        var frame = state.NalLengthSize is 0 or 4
            ? MediaFrame.Create(MediaKind.Video, body, timestamp, compositionTimeOffset, isKeyframe, _spareFrame)
            : CreateWithFourByteLengths(body, state.NalLengthSize, timestamp, compositionTimeOffset, isKeyframe);
        if (trackId == 0)
        {
            await _handler.OnFrameAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _handler.OnVideoTrackFrameAsync(trackId, frame, cancellationToken).ConfigureAwait(false);
        }

        KeepIfReclaimable(frame);
    }

    /// <summary>
    /// Keeps a frame that nobody shared for the next one: a stream without readers (ingest only, or before
    /// playback starts) then allocates no frame object per frame, which was most of its garbage.
    /// </summary>
    private void KeepIfReclaimable(MediaFrame frame) => _spareFrame = frame.Reclaimable ? frame : null;

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

        var frame = MediaFrame.Create(MediaKind.Audio, body, timestamp, 0, isKeyframe: true, _spareFrame);
        await _handler.OnFrameAsync(frame, cancellationToken).ConfigureAwait(false);
        KeepIfReclaimable(frame);
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

    private static VideoTrackState AvcConfig(byte[] bytes)
    {
        var record = AvcDecoderConfigurationRecord.Parse(bytes);
        return new VideoTrackState(record.ToTrackInfo(), record.NalUnitLengthSize);
    }

    private static VideoTrackState HevcConfig(byte[] bytes)
    {
        var record = HevcDecoderConfigurationRecord.Parse(bytes);
        if (record.NalUnitLengthSize == 3)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, "hvcC lengthSizeMinusOne of 2 is not allowed.");
        }

        return new VideoTrackState(record.ToTrackInfo(), record.NalUnitLengthSize);
    }

    /// <summary>Rewrites 1- or 2-byte NAL unit length prefixes as the 4-byte prefixes <see cref="MediaFrame"/> promises.</summary>
    private static MediaFrame CreateWithFourByteLengths(in ReadOnlySequence<byte> body, int nalLengthSize, long timestamp, int compositionTimeOffset, bool isKeyframe)
    {
        var length = (int)body.Length;
        var source = ArrayPool<byte>.Shared.Rent(length);
        var target = ArrayPool<byte>.Shared.Rent(length / nalLengthSize * 4 + 4);
        try
        {
            body.CopyTo(source);
            int read = 0, written = 0;
            while (read + nalLengthSize <= length)
            {
                var nalLength = nalLengthSize == 1 ? source[read] : BinaryPrimitives.ReadUInt16BigEndian(source.AsSpan(read));
                read += nalLengthSize;
                if (nalLength > length - read)
                {
                    RtmpThrow.Protocol(RtmpProtocolError.InvalidMediaMessage, "A NAL unit length runs past the end of the video message.");
                }

                BinaryPrimitives.WriteInt32BigEndian(target.AsSpan(written), nalLength);
                source.AsSpan(read, nalLength).CopyTo(target.AsSpan(written + 4));
                written += 4 + nalLength;
                read += nalLength;
            }

            return MediaFrame.Create(MediaKind.Video, target.AsSpan(0, written), timestamp, compositionTimeOffset, isKeyframe);
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
        _mainTrack = VideoTrackState.None;
        _tracks.Clear();
        _audioTrack = null;
    }

    /// <summary>A video track's configuration and the NAL unit length size of its frames.</summary>
    private readonly record struct VideoTrackState(VideoTrackInfo? Info, int NalLengthSize)
    {
        public static VideoTrackState None => new(null, 4);
    }
}
