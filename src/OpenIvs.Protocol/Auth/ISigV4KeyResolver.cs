namespace OpenIvs.Protocol.Auth;

/// <summary>Finds the secret behind an access key id, for verification.</summary>
internal interface ISigV4KeyResolver
{
    /// <summary>
    /// Returns the signing key for <paramref name="accessKeyId"/> and the scope, or null for an unknown key.
    /// Implementations cache derived keys per key and day.
    /// </summary>
    SigV4Key? Resolve(string accessKeyId, string date, string region, string service);
}

/// <summary>A resolved access key: its derived signing key, the session token it requires, and who it belongs to.</summary>
/// <param name="SigningKey">HMAC key for the scope's date, region and service.</param>
/// <param name="SessionToken">The token temporary credentials must present, or null for long-term keys.</param>
/// <param name="Expiration">When temporary credentials stop working, or null.</param>
/// <param name="Principal">The caller the key authenticates (opaque to verification).</param>
internal sealed record SigV4Key(byte[] SigningKey, string? SessionToken, DateTimeOffset? Expiration, object Principal)
{
    /// <summary>The signing key with its HMAC states precomputed, for verifying many requests.</summary>
    internal Sha256.HmacKey Hmac { get; } = new(SigningKey);
}
