namespace OpenIvs.Media.Hls.Playlists;

/// <summary>A media segment of a media playlist, with the tags that precede its URI.</summary>
/// <remarks>
/// A segment whose <see cref="Uri"/> is null is the parent segment still being produced: only its tags and
/// its <see cref="Parts"/> are written (RFC 8216bis §4.4.4.9: EXT-X-PART tags after the last EXTINF belong to
/// the next, not yet complete, segment).
/// </remarks>
public sealed record MediaSegment
{
    /// <summary>The segment URI, or null while the segment is incomplete.</summary>
    public string? Uri { get; init; }

    /// <summary>EXTINF duration in seconds (RFC 8216bis §4.4.4.1).</summary>
    public double Duration { get; init; }

    /// <summary>EXTINF title; usually empty.</summary>
    public string? Title { get; init; }

    /// <summary>EXT-X-PROGRAM-DATE-TIME of the segment's first sample (§4.4.4.6).</summary>
    public DateTimeOffset? ProgramDateTime { get; init; }

    /// <summary>EXT-X-DISCONTINUITY before this segment (§4.4.4.3).</summary>
    public bool Discontinuity { get; init; }

    /// <summary>The EXT-X-MAP in effect for this segment; written whenever it differs from the previous one's.</summary>
    public MapTag? Map { get; init; }

    /// <summary>EXT-X-BYTERANGE of the segment (§4.4.4.2).</summary>
    public ByteRange? ByteRange { get; init; }

    /// <summary>EXT-X-GAP (§4.4.4.7).</summary>
    public bool Gap { get; init; }

    /// <summary>The segment's partial segments in order.</summary>
    public IReadOnlyList<PartialSegment> Parts { get; init; } = [];
}
