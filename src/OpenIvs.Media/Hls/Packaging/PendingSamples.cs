using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>A retained video frame waiting for its part to close; times in 90 kHz.</summary>
internal readonly record struct PendingVideo(MediaFrame Frame, long Dts90, int CompositionOffset90, bool IsKeyframe);

/// <summary>A retained audio frame; <see cref="Dts"/> in samples (the fMP4 timescale), <see cref="Dts90"/> for cutting and TS.</summary>
internal readonly record struct PendingAudio(MediaFrame Frame, long Dts, long Dts90);

/// <summary>A retained timed-metadata frame; presentation time in 90 kHz.</summary>
internal readonly record struct PendingData(MediaFrame Frame, long Pts90);

/// <summary>What one part contains, handed to a packager.</summary>
internal readonly ref struct PartInput
{
    public PartInput(ReadOnlySpan<PendingVideo> video, long videoEnd90, ReadOnlySpan<PendingAudio> audio, long audioEnd, ReadOnlySpan<PendingData> data, long start90, bool firstInSegment, ReadOnlySpan<byte[]> splices = default)
    {
        Splices = splices;
        Video = video;
        VideoEnd90 = videoEnd90;
        Audio = audio;
        AudioEnd = audioEnd;
        Data = data;
        Start90 = start90;
        FirstInSegment = firstInSegment;
    }

    public ReadOnlySpan<PendingVideo> Video { get; }

    /// <summary>Decode time where the next part's video starts: the last video sample's duration ends here.</summary>
    public long VideoEnd90 { get; }

    public ReadOnlySpan<PendingAudio> Audio { get; }

    /// <summary>Decode time (samples) of the audio frame after this part's last one, or its nominal end.</summary>
    public long AudioEnd { get; }

    public ReadOnlySpan<PendingData> Data { get; }

    /// <summary>Start of the part (90 kHz); metadata stamped earlier is clamped to it.</summary>
    public long Start90 { get; }

    public bool FirstInSegment { get; }

    /// <summary>SCTE-35 splice_info_sections to write at the start of the part (TS only).</summary>
    public ReadOnlySpan<byte[]> Splices { get; }
}
