namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// An ad break to mark in a live stream (<see cref="LiveSegmenter.MarkAdBreak"/>): EXT-X-DATERANGE tags with
/// SCTE35-OUT at the segment that starts at <see cref="Start"/> and SCTE35-IN at the one that starts at
/// <see cref="End"/>, and the same splice_insert sections in TS output. Times are the stream's milliseconds
/// (<see cref="Frames.MediaFrame.Timestamp"/>); mark them on keyframes so every rendition can cut there.
/// </summary>
/// <param name="Id">The EXT-X-DATERANGE ID.</param>
/// <param name="Start">Where the break starts (ms); ignored for a post-roll.</param>
/// <param name="PlannedDuration">PLANNED-DURATION, and the splice_insert's break_duration.</param>
/// <param name="SpliceEventId">splice_event_id of the out and the matching in.</param>
public sealed record AdBreakMarker(string Id, long Start, TimeSpan PlannedDuration, uint SpliceEventId)
{
    /// <summary>The CLASS OpenIVS gives ad breaks.</summary>
    public const string DefaultClass = "com.openivs.ad-break";

    /// <summary>Where the break ends (ms), once known; a break still open when the stream ends ends there.</summary>
    public long? End { get; init; }

    /// <summary>A break after the last segment (post-roll): placed when the stream completes, with no end.</summary>
    public bool PostRoll { get; init; }

    public string Class { get; init; } = DefaultClass;
}
