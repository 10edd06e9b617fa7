using System.Buffers;
using OpenIvs.Media.Fmp4;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Packages each part as one CMAF fragment (see <see cref="Fmp4InitSegmentWriter"/> for why audio and video are
/// muxed). Timed metadata becomes <c>emsg</c> v1 boxes in front of the fragment's <c>moof</c>.
/// </summary>
internal sealed class Fmp4SegmentPackager : SegmentPackager
{
    private readonly byte[] _init;
    private readonly string _owner;
    private readonly bool _writeSegmentType;
    private readonly PooledBufferWriter _tags;
    private readonly Fmp4TrackRun[] _runs = new Fmp4TrackRun[2];
    private Fmp4Sample[] _videoSamples = new Fmp4Sample[64];
    private Fmp4Sample[] _audioSamples = new Fmp4Sample[64];
    private Fmp4EventMessage[] _events = new Fmp4EventMessage[4];
    private (int Offset, int Length)[] _tagRanges = new (int, int)[4];
    private readonly int _samplesPerFrame;
    private uint _sequence;
    private uint _eventId;

    public Fmp4SegmentPackager(VideoTrackInfo? video, AudioTrackInfo? audio, int samplesPerFrame, string owner, bool writeSegmentType, ArrayPool<byte> pool)
    {
        _init = new byte[Fmp4InitSegmentWriter.GetSize(video, audio)];
        var writer = new ArrayBufferWriter<byte>(_init.Length);
        Fmp4InitSegmentWriter.Write(writer, video, audio);
        writer.WrittenSpan.CopyTo(_init);
        _owner = owner;
        _writeSegmentType = writeSegmentType;
        _samplesPerFrame = samplesPerFrame;
        _tags = new PooledBufferWriter(pool);
    }

    public override ReadOnlyMemory<byte> InitSegment => _init;

    public override int EstimateSize(in PartInput input) =>
        PayloadSize(input) + 512 + 16 * (input.Video.Length + input.Audio.Length) + 256 * input.Data.Length;

    public override void WritePart(IBufferWriter<byte> output, in PartInput input)
    {
        var video = input.Video;
        var audio = input.Audio;
        EnsureCapacity(ref _videoSamples, video.Length);
        EnsureCapacity(ref _audioSamples, audio.Length);
        for (var i = 0; i < video.Length; i++)
        {
            var end = i + 1 < video.Length ? video[i + 1].Dts90 : input.VideoEnd90;
            _videoSamples[i] = new Fmp4Sample(video[i].Frame.Payload, (uint)Math.Max(end - video[i].Dts90, 1), video[i].CompositionOffset90, video[i].IsKeyframe);
        }

        for (var i = 0; i < audio.Length; i++)
        {
            var end = i + 1 < audio.Length ? audio[i + 1].Dts : input.AudioEnd;
            var duration = end > audio[i].Dts ? end - audio[i].Dts : _samplesPerFrame;
            _audioSamples[i] = new Fmp4Sample(audio[i].Frame.Payload, (uint)duration, 0, true);
        }

        var runs = 0;
        if (video.Length > 0)
        {
            _runs[runs++] = new Fmp4TrackRun(Fmp4InitSegmentWriter.VideoTrackId, (ulong)video[0].Dts90, _videoSamples.AsMemory(0, video.Length), true);
        }

        if (audio.Length > 0)
        {
            _runs[runs++] = new Fmp4TrackRun(Fmp4InitSegmentWriter.AudioTrackId, (ulong)audio[0].Dts, _audioSamples.AsMemory(0, audio.Length), false);
        }

        var events = BuildEvents(input);
        Fmp4FragmentWriter.Write(output, ++_sequence, _runs.AsSpan(0, runs), _events.AsSpan(0, events), _writeSegmentType && input.FirstInSegment);

        // Drop references to frame buffers that are about to be released.
        Array.Clear(_videoSamples, 0, video.Length);
        Array.Clear(_audioSamples, 0, audio.Length);
        Array.Clear(_events, 0, events);
        Array.Clear(_runs);
    }

    public override void Dispose() => _tags.Dispose();

    private int BuildEvents(in PartInput input)
    {
        var data = input.Data;
        if (data.IsEmpty)
        {
            return 0;
        }

        EnsureCapacity(ref _events, data.Length);
        EnsureCapacity(ref _tagRanges, data.Length);
        var total = 0;
        foreach (ref readonly var d in data)
        {
            total += TimedMetadata.GetMaxSize(d.Frame.Payload.Span, _owner);
        }

        // Write every tag first, then slice: the scratch buffer may move while it grows.
        _tags.Reset(total);
        for (var i = 0; i < data.Length; i++)
        {
            var start = _tags.WrittenCount;
            TimedMetadata.WriteId3(_tags, data[i].Frame.Payload.Span, _owner);
            _tagRanges[i] = (start, _tags.WrittenCount - start);
        }

        for (var i = 0; i < data.Length; i++)
        {
            var pts = Math.Max(data[i].Pts90, input.Start90);
            _events[i] = new Fmp4EventMessage(
                Fmp4EventMessage.Id3SchemeIdUri,
                string.Empty,
                Fmp4InitSegmentWriter.VideoTimescale,
                (ulong)pts,
                EventDuration: 0xFFFFFFFF,
                Id: ++_eventId,
                _tags.WrittenMemory.Slice(_tagRanges[i].Offset, _tagRanges[i].Length));
        }

        return data.Length;
    }

    private static void EnsureCapacity<T>(ref T[] array, int count)
    {
        if (array.Length < count)
        {
            array = new T[Math.Max(count, array.Length * 2)];
        }
    }
}
