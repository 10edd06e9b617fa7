namespace OpenIvs.Media.Hls.Playlists;

/// <summary>A multivariant (master) playlist (RFC 8216bis §4.4.6). Immutable.</summary>
public sealed record MultivariantPlaylist
{
    /// <summary>EXT-X-VERSION, written when set.</summary>
    public int? Version { get; init; }

    /// <summary>EXT-X-INDEPENDENT-SEGMENTS: every segment of every variant starts with a keyframe.</summary>
    public bool IndependentSegments { get; init; }

    public IReadOnlyList<SessionData> SessionData { get; init; } = [];

    public IReadOnlyList<AlternativeMedia> Media { get; init; } = [];

    public IReadOnlyList<VariantStream> Variants { get; init; } = [];
}
