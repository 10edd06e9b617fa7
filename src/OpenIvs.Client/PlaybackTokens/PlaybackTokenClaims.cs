namespace OpenIvs.Client.PlaybackTokens;

/// <summary>
/// The claims of an IVS playback token for a private channel (each sent as its <c>aws:</c> claim, with
/// <c>exp</c> in Unix seconds). Only <see cref="ChannelArn"/> and <see cref="ExpiresAt"/> are required.
/// </summary>
public sealed class PlaybackTokenClaims
{
    /// <summary>The channel the token grants playback of (<c>aws:channel-arn</c>).</summary>
    public required string ChannelArn { get; init; }

    /// <summary>
    /// When the token stops being accepted for starting playback (<c>exp</c>, whole seconds). With
    /// <see cref="SingleUseId"/> or <see cref="ViewerId"/> it may be at most 10 minutes ahead.
    /// </summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// Origins allowed to play (<c>aws:access-control-allow-origin</c>, joined with commas), e.g.
    /// <c>https://*.example.com</c>. Unset: any origin.
    /// </summary>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>
    /// Check the <c>Origin</c> of every playback request, not only the multivariant playlist's
    /// (<c>aws:strict-origin-enforcement</c>); at most 5 <see cref="AllowedOrigins"/> then.
    /// </summary>
    public bool? StrictOriginEnforcement { get; init; }

    /// <summary>Makes the token usable once (<c>aws:single-use-uuid</c>), e.g. a new GUID per token.</summary>
    public string? SingleUseId { get; init; }

    /// <summary>The viewer, for revoking their sessions (<c>aws:viewer-id</c>, at most 40 characters).</summary>
    public string? ViewerId { get; init; }

    /// <summary>The viewer session's version (<c>aws:viewer-session-version</c>); revocation covers versions up to a number.</summary>
    public long? ViewerSessionVersion { get; init; }

    /// <summary>The highest rendition the viewer may get (<c>aws:maximum-resolution</c>).</summary>
    public PlaybackMaximumResolution? MaximumResolution { get; init; }
}
