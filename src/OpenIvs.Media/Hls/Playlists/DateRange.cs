namespace OpenIvs.Media.Hls.Playlists;

/// <summary>
/// An EXT-X-DATERANGE tag (RFC 8216bis §4.4.5.1), written before the segment <see cref="MediaSequence"/>
/// (or before the first segment listed when that one is no longer in the playlist, or is skipped by a delta
/// update: §6.2.5.1 keeps date ranges in delta updates unless the client may skip them).
/// </summary>
public sealed record DateRange
{
    /// <summary>ID: unique within the playlist; tags with the same ID describe the same range.</summary>
    public required string Id { get; init; }

    /// <summary>CLASS: the semantics of the range's attributes, reverse-DNS.</summary>
    public string? Class { get; init; }

    /// <summary>START-DATE (REQUIRED).</summary>
    public required DateTimeOffset StartDate { get; init; }

    /// <summary>DURATION in seconds, once known.</summary>
    public double? Duration { get; init; }

    /// <summary>PLANNED-DURATION in seconds, the expected duration.</summary>
    public double? PlannedDuration { get; init; }

    /// <summary>SCTE35-OUT: the splice_info_section of the splice out, written as hexadecimal; empty for none.</summary>
    public ReadOnlyMemory<byte> Scte35Out { get; init; }

    /// <summary>SCTE35-IN: the splice_info_section of the splice in; empty for none.</summary>
    public ReadOnlyMemory<byte> Scte35In { get; init; }

    /// <summary>The media sequence number of the segment the tag is written before.</summary>
    public long MediaSequence { get; init; }
}
