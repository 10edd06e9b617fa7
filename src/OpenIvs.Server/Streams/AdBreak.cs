namespace OpenIvs.Server.Streams;

/// <summary>
/// An ad break of a live stream (InsertAdBreak, or the ad configuration's post-roll), as every rendition marks it.
/// The ingest loop decides where it starts and ends (on keyframes, in the stream's milliseconds) so the source and
/// the transcoded renditions cut at the same frame; each change is a new record.
/// </summary>
/// <param name="Id">The adBreakId InsertAdBreak returned; the EXT-X-DATERANGE ID.</param>
/// <param name="SpliceEventId">The SCTE-35 splice_event_id, unique within the stream.</param>
/// <param name="Duration">The duration asked for (PLANNED-DURATION).</param>
public sealed record AdBreak(string Id, uint SpliceEventId, TimeSpan Duration)
{
    /// <summary>The keyframe the break starts at (ms); null until ingest reaches one.</summary>
    public long? Start { get; init; }

    /// <summary>The keyframe the break ends at (ms); null until then (or when the stream ends first).</summary>
    public long? End { get; init; }

    /// <summary>A post-roll: marked after the stream's last segment when the stream ends.</summary>
    public bool PostRoll { get; init; }
}
