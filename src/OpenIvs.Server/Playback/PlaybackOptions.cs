namespace OpenIvs.Server.Playback;

/// <summary>
/// How live streams are packaged and served as HLS (docs/playback.md). LOW latency channels get LL-HLS
/// (parts); NORMAL channels get plain segments that any HLS player handles.
/// </summary>
public sealed class PlaybackOptions
{
    /// <summary>Package live streams as HLS (default). Off: an ingest-only node, every playback URL answers 404.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// LL-HLS PART-TARGET of LOW latency channels (0.1-1 s). Parts are cut 20 ms inside it, so at 0.36 s they
    /// hold ten 30 fps frames (0.333 s) and encoder timestamp jitter never makes one longer than advertised.
    /// </summary>
    public TimeSpan PartTarget { get; set; } = TimeSpan.FromSeconds(0.36);

    /// <summary>
    /// PART-HOLD-BACK in part targets (2-10): how far behind the live edge LL-HLS players hold. RFC 8216bis requires at
    /// least 2 and recommends 3; players such as hls.js start there and, without a catch-up configuration, stay there,
    /// so the default is the minimum: 0.72 s, where three parts put a stock hls.js above a second (docs/benchmarks.md).
    /// </summary>
    public double PartHoldBackParts { get; set; } = 2;

    /// <summary>
    /// A LOW latency media playlist request without <c>_HLS_msn</c> (a player's first) is answered when the next part is
    /// published, unless the newest part is fresh (an eighth of PART-TARGET): players take the playlist's end as the
    /// live edge at the time they receive it, and start that much further behind otherwise (up to a part).
    /// </summary>
    public bool AlignPlaylistToParts { get; set; } = true;

    /// <summary>
    /// A viewer session's first LOW latency media playlist (a player starting) is answered when the player's start
    /// position, PART-HOLD-BACK before the newest part's end, falls in a part that begins with a keyframe (at most a
    /// target duration later): players load from the keyframe at or before their start position, and every part in
    /// between delays their first frame and leaves them that much further behind live (docs/playback.md).
    /// </summary>
    public bool StartAtKeyframes { get; set; } = true;

    /// <summary>
    /// Close each LL-HLS part on the video frame that fills it (or ends a keyframe interval) rather than when the next
    /// frame arrives: parts reach viewers a frame interval sooner (28 ms at 30 fps, bench/playback parts); the last frame
    /// of a part then lasts the previous frame interval instead of its exact one. A splice due when the stream ends
    /// after such a part goes into the segment's tail (docs/playback.md).
    /// </summary>
    public bool ClosePartsOnLastFrame { get; set; } = true;

    /// <summary>Segment target of LOW latency channels (IVS: 2 s segments, with a 2 s keyframe interval).</summary>
    public TimeSpan LowLatencySegmentTarget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Segment target of NORMAL latency channels (plain HLS, Apple's recommended 6 s).</summary>
    public TimeSpan NormalSegmentTarget { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How much of each stream stays in the playlist (at least three segments).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(24);

    /// <summary>
    /// How much of the window stays in memory as complete segments, besides the one being written (whose parts are
    /// what players at the live edge ask for); older segments are kept in files under the data directory's <c>hls/</c>
    /// until they leave the window. 0 (default): each segment goes to its file as soon as it is complete. At or above
    /// <see cref="Window"/>: everything in memory.
    /// </summary>
    public TimeSpan MemoryWindow { get; set; } = TimeSpan.Zero;

    /// <summary>Playlist requests that may wait at the same time (blocking reloads and preload-hinted parts).</summary>
    public int MaxBlockedRequests { get; set; } = 20_000;

    /// <summary>A viewer counts in viewerCount until this long after its last playlist request (IVS: about a minute).</summary>
    public TimeSpan ViewerSessionTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Concurrent views per channel; beyond it a new viewer gets 429 (IVS quota: 15,000, adjustable).</summary>
    public int MaxViewersPerChannel { get; set; } = 15_000;

    /// <summary>How long an ended stream's playlist (with EXT-X-ENDLIST) stays available to its players.</summary>
    public TimeSpan EndedStreamLinger { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        if (PartTarget < TimeSpan.FromSeconds(0.1) || PartTarget > TimeSpan.FromSeconds(1))
        {
            yield return "Playback.PartTarget must be between 0.1 s and 1 s.";
        }

        if (PartHoldBackParts is < 2 or > 10 || double.IsNaN(PartHoldBackParts))
        {
            yield return "Playback.PartHoldBackParts must be between 2 and 10 (RFC 8216bis: PART-HOLD-BACK at least twice PART-TARGET).";
        }

        if (LowLatencySegmentTarget < PartTarget || LowLatencySegmentTarget > TimeSpan.FromSeconds(10))
        {
            yield return "Playback.LowLatencySegmentTarget must be between PartTarget and 10 s.";
        }

        if (NormalSegmentTarget < TimeSpan.FromSeconds(1) || NormalSegmentTarget > TimeSpan.FromSeconds(20))
        {
            yield return "Playback.NormalSegmentTarget must be between 1 s and 20 s.";
        }

        if (MemoryWindow < TimeSpan.Zero)
        {
            yield return "Playback.MemoryWindow must not be negative.";
        }

        if (Window < TimeSpan.FromSeconds(6) || Window > TimeSpan.FromHours(1))
        {
            yield return "Playback.Window must be between 6 s and 1 h.";
        }

        if (MaxBlockedRequests < 1 || MaxViewersPerChannel < 1)
        {
            yield return "Playback.MaxBlockedRequests and Playback.MaxViewersPerChannel must be positive.";
        }

        if (ViewerSessionTimeout < TimeSpan.FromSeconds(5) || EndedStreamLinger < TimeSpan.Zero)
        {
            yield return "Playback.ViewerSessionTimeout must be at least 5 s and EndedStreamLinger not negative.";
        }
    }
}
