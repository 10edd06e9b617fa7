namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-MEDIA (RFC 8216bis §4.4.6.1), as IVS writes one TYPE=VIDEO entry per rendition.</summary>
public sealed record AlternativeMedia
{
    /// <summary>TYPE: AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS.</summary>
    public required string Type { get; init; }

    public required string GroupId { get; init; }

    public required string Name { get; init; }

    public string? Uri { get; init; }

    public string? Language { get; init; }

    public bool Default { get; init; }

    public bool AutoSelect { get; init; }
}
