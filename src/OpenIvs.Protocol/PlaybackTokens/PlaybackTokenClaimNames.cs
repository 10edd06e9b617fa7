namespace OpenIvs.Protocol.PlaybackTokens;

/// <summary>
/// The claims of an IVS playback token (a JWT signed ES384 with a playback key pair), as the SDK writes them
/// and the server reads them: one list, so the two sides cannot drift apart.
/// </summary>
public static class PlaybackTokenClaimNames
{
    /// <summary>The token's signature algorithm (the JOSE header's <c>alg</c>).</summary>
    public const string Algorithm = "ES384";

    /// <summary>The channel the token grants playback of.</summary>
    public const string ChannelArn = "aws:channel-arn";

    /// <summary>Origins allowed to play, joined with commas.</summary>
    public const string AccessControlAllowOrigin = "aws:access-control-allow-origin";

    /// <summary>Whether the origins are enforced on every request (true or absent).</summary>
    public const string StrictOriginEnforcement = "aws:strict-origin-enforcement";

    /// <summary>Makes the token usable once.</summary>
    public const string SingleUseUuid = "aws:single-use-uuid";

    /// <summary>The viewer, for revoking their sessions.</summary>
    public const string ViewerId = "aws:viewer-id";

    /// <summary>The viewer session's version; revocation covers versions up to a number.</summary>
    public const string ViewerSessionVersion = "aws:viewer-session-version";

    /// <summary>The highest rendition the viewer may get: <see cref="Sd"/>, <see cref="Hd"/> or <see cref="FullHd"/>.</summary>
    public const string MaximumResolution = "aws:maximum-resolution";

    /// <summary>When the token expires (seconds since the Unix epoch).</summary>
    public const string Expires = "exp";

    /// <summary><see cref="MaximumResolution"/> value: 480p.</summary>
    public const string Sd = "SD";

    /// <summary><see cref="MaximumResolution"/> value: 720p.</summary>
    public const string Hd = "HD";

    /// <summary><see cref="MaximumResolution"/> value: 1080p.</summary>
    public const string FullHd = "FULL_HD";
}
