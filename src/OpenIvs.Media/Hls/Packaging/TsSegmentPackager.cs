using System.Buffers;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Id3;
using OpenIvs.Media.MpegTs;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Packages each part as a run of TS packets starting with PAT and PMT, so any part (and therefore any
/// segment) can be demuxed on its own. Video, audio and ID3 PES packets are interleaved in decode order;
/// consecutive AAC frames share one PES (up to <see cref="MaxAudioFramesPerPes"/>) to save header overhead.
/// Every segment's first part starts with an ID3 timestamp tag on the metadata PID: the IVS web player never starts
/// a TS stream whose PMT announces a timed-metadata stream that carries no sample in the segment (it waits for that
/// track forever; measured with amazon-ivs-player 1.56.1, docs/playback.md), and PutMetadata is rare.
/// </summary>
internal sealed class TsSegmentPackager : SegmentPackager
{
    /// <summary>At most this many AAC frames (about 100 ms) in one audio PES.</summary>
    public const int MaxAudioFramesPerPes = 5;

    private readonly TsMuxer _muxer;
    private readonly bool _hasVideo;
    private readonly bool _splices;
    private readonly string _owner;
    private readonly int _samplesPerFrame;
    private readonly PooledBufferWriter _tag;
    private readonly ReadOnlyMemory<byte>[] _group = new ReadOnlyMemory<byte>[MaxAudioFramesPerPes];

    public TsSegmentPackager(VideoTrackInfo? video, AudioTrackInfo? audio, int samplesPerFrame, string owner, ArrayPool<byte> pool, bool spliceInfoStream = false)
    {
        _muxer = new TsMuxer(video, audio, includeMetadataStream: true, pool, spliceInfoStream);
        _splices = spliceInfoStream;
        _hasVideo = video is not null;
        _owner = owner;
        _samplesPerFrame = samplesPerFrame;
        _tag = new PooledBufferWriter(pool);
    }

    public override ReadOnlyMemory<byte> InitSegment => ReadOnlyMemory<byte>.Empty;

    public override int EstimateSize(in PartInput input)
    {
        // Every 184 payload bytes cost a 188-byte packet, plus per-PES headers, AUD, SPS/PPS and ADTS headers.
        var payload = PayloadSize(input) + 200 * input.Video.Length + 7 * input.Audio.Length + 128 * input.Data.Length;
        return (payload / TsPacket.MaxPayload + 5 + input.Splices.Length + input.Video.Length + input.Audio.Length + 2 * input.Data.Length) * TsPacket.Size;
    }

    public override void WritePart(IBufferWriter<byte> output, in PartInput input)
    {
        _muxer.WriteProgramTables(output);
        if (_splices)
        {
            foreach (var section in input.Splices)
            {
                _muxer.WriteSpliceInfo(output, section);
            }
        }

        var video = input.Video;
        var audio = input.Audio;
        var data = input.Data;
        if (input.FirstInSegment)
        {
            Span<byte> tag = stackalloc byte[Id3TagWriter.TransportStreamTimestampTagLength];
            var pts = video.Length > 0 ? video[0].Dts90 + video[0].CompositionOffset90 : audio.Length > 0 ? audio[0].Dts90 : input.Start90;
            _muxer.WriteMetadata(output, tag[..Id3TagWriter.WriteTransportStreamTimestampTag(tag, pts)], pts);
        }

        int v = 0, a = 0, d = 0;
        while (v < video.Length || a < audio.Length || d < data.Length)
        {
            var nextVideo = v < video.Length ? video[v].Dts90 : long.MaxValue;
            var nextAudio = a < audio.Length ? audio[a].Dts90 : long.MaxValue;
            var nextData = d < data.Length ? Math.Max(data[d].Pts90, input.Start90) : long.MaxValue;
            if (nextData <= nextVideo && nextData <= nextAudio)
            {
                WriteMetadata(output, data[d].Frame.Payload.Span, nextData);
                d++;
            }
            else if (nextVideo <= nextAudio)
            {
                ref readonly var frame = ref video[v];
                _muxer.WriteVideo(output, frame.Frame.Payload.Span, frame.Dts90, frame.Dts90 + frame.CompositionOffset90, frame.IsKeyframe);
                v++;
            }
            else
            {
                var first = a;
                var count = 0;
                do
                {
                    _group[count++] = audio[a].Frame.Payload;
                    a++;
                }
                while (a < audio.Length
                    && count < MaxAudioFramesPerPes
                    && audio[a].Dts90 < nextVideo
                    && audio[a].Dts == audio[a - 1].Dts + _samplesPerFrame);

                _muxer.WriteAudio(output, _group.AsSpan(0, count), audio[first].Dts90, writePcr: !_hasVideo);
                Array.Clear(_group, 0, count);
            }
        }
    }

    public override void Dispose()
    {
        _muxer.Dispose();
        _tag.Dispose();
    }

    private void WriteMetadata(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, long pts90)
    {
        _tag.Reset(TimedMetadata.GetMaxSize(payload, _owner));
        TimedMetadata.WriteId3(_tag, payload, _owner);
        _muxer.WriteMetadata(output, _tag.WrittenSpan, pts90);
    }
}
