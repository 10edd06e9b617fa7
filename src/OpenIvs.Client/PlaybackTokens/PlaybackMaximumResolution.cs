namespace OpenIvs.Client.PlaybackTokens;

/// <summary>The highest rendition a token allows (<c>aws:maximum-resolution</c>).</summary>
public enum PlaybackMaximumResolution
{
    /// <summary><c>SD</c>: up to 480p.</summary>
    Sd,

    /// <summary><c>HD</c>: up to 720p.</summary>
    Hd,

    /// <summary><c>FULL_HD</c>: up to 1080p.</summary>
    FullHd,
}
