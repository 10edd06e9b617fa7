namespace OpenIvs.Media.Hls.Playlists;

/// <summary>A media playlist (RFC 8216bis §4.4.3-4.4.5) including the low-latency tags. Immutable.</summary>
public sealed record MediaPlaylist
{
    /// <summary>Minimum EXT-X-VERSION; the writer raises it when a feature needs more (§7).</summary>
    public int Version { get; init; } = 3;

    /// <summary>EXT-X-TARGETDURATION in whole seconds: every EXTINF rounded to the nearest integer must not exceed it (§4.4.3.1).</summary>
    public int TargetDuration { get; init; }

    /// <summary>EXT-X-MEDIA-SEQUENCE: the media sequence number of the first segment (§4.4.3.2).</summary>
    public long MediaSequence { get; init; }

    /// <summary>EXT-X-DISCONTINUITY-SEQUENCE (§4.4.3.3); written when non-zero.</summary>
    public long DiscontinuitySequence { get; init; }

    /// <summary>EXT-X-PLAYLIST-TYPE; null for a live sliding window.</summary>
    public PlaylistType? Type { get; init; }

    /// <summary>EXT-X-INDEPENDENT-SEGMENTS (§4.4.2.1).</summary>
    public bool IndependentSegments { get; init; }

    /// <summary>EXT-X-PART-INF:PART-TARGET seconds (§4.4.3.7); null without parts.</summary>
    public double? PartTarget { get; init; }

    /// <summary>EXT-X-SERVER-CONTROL.</summary>
    public ServerControl? ServerControl { get; init; }

    /// <summary>Segments, oldest first; the last one may be incomplete (null URI).</summary>
    public IReadOnlyList<MediaSegment> Segments { get; init; } = [];

    /// <summary>EXT-X-DATERANGE tags, in order of their <see cref="DateRange.MediaSequence"/>.</summary>
    public IReadOnlyList<DateRange> DateRanges { get; init; } = [];

    /// <summary>EXT-X-PRELOAD-HINT tags.</summary>
    public IReadOnlyList<PreloadHint> PreloadHints { get; init; } = [];

    /// <summary>EXT-X-RENDITION-REPORT tags.</summary>
    public IReadOnlyList<RenditionReport> RenditionReports { get; init; } = [];

    /// <summary>EXT-X-ENDLIST (§4.4.3.4).</summary>
    public bool EndList { get; init; }
}
