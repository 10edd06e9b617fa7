namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-STREAM-INF (RFC 8216bis §4.4.6.2) and the URI line after it.</summary>
public sealed record VariantStream
{
    public required string Uri { get; init; }

    /// <summary>BANDWIDTH: peak segment bit rate in bits per second (required).</summary>
    public required long Bandwidth { get; init; }

    /// <summary>AVERAGE-BANDWIDTH in bits per second.</summary>
    public long? AverageBandwidth { get; init; }

    /// <summary>CODECS, e.g. <c>avc1.64001f,mp4a.40.2</c> (RFC 6381 strings, comma separated).</summary>
    public string? Codecs { get; init; }

    public Resolution? Resolution { get; init; }

    /// <summary>FRAME-RATE, written rounded to three decimals.</summary>
    public double? FrameRate { get; init; }

    /// <summary>VIDEO group id (an EXT-X-MEDIA TYPE=VIDEO GROUP-ID).</summary>
    public string? Video { get; init; }

    /// <summary>AUDIO group id.</summary>
    public string? Audio { get; init; }
}
