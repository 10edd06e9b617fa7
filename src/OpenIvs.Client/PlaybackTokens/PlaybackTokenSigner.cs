using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using OpenIvs.Protocol.PlaybackTokens;

namespace OpenIvs.Client.PlaybackTokens;

/// <summary>
/// Signs IVS playback tokens for private (authorized) channels: a JWT with header
/// <c>{"alg":"ES384","typ":"JWT"}</c>, the claims of <see cref="PlaybackTokenClaims"/>, and an ECDSA P-384 /
/// SHA-384 signature, with the private key of a playback key pair whose public key was imported with
/// <c>ImportPlaybackKeyPair</c>. Viewers pass it as <c>?token=</c> on the playback URL (<see cref="AuthorizeUrl"/>).
/// </summary>
/// <example>
/// <code>
/// using var signer = PlaybackTokenSigner.FromPem(File.ReadAllText("private-key.pem"));
/// var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = channel.Arn!, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) });
/// var url = PlaybackTokenSigner.AuthorizeUrl(channel.PlaybackUrl!, token);
/// </code>
/// </example>
public sealed class PlaybackTokenSigner : IDisposable
{
    /// <summary>The longest <c>exp</c> may be ahead when the token is single-use or names a viewer.</summary>
    public static readonly TimeSpan MaxLifetimeForSingleUseOrViewer = TimeSpan.FromMinutes(10);

    /// <summary>The most origins a token with strict origin enforcement may allow.</summary>
    public const int MaxStrictOrigins = 5;

    /// <summary>The longest viewer id.</summary>
    public const int MaxViewerIdLength = 40;

    // base64url of {"alg":"ES384","typ":"JWT"}
    private const string EncodedHeader = "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9";

    private readonly ECDsa _key;
    private readonly bool _ownsKey;
    private readonly TimeProvider _time;

    /// <summary>Signs with <paramref name="privateKey"/>, which must be a P-384 key with its private part.</summary>
    /// <param name="privateKey">The key; the signer does not dispose it.</param>
    /// <param name="timeProvider">The clock the 10-minute rule is checked against (default: the system's).</param>
    /// <exception cref="ArgumentException">The key is not P-384.</exception>
    public PlaybackTokenSigner(ECDsa privateKey, TimeProvider? timeProvider = null)
        : this(privateKey, ownsKey: false, timeProvider)
    {
    }

    private PlaybackTokenSigner(ECDsa privateKey, bool ownsKey, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        if (privateKey.KeySize != 384)
        {
            throw new ArgumentException($"Playback tokens are signed with a P-384 key (ES384); this key has {privateKey.KeySize} bits.", nameof(privateKey));
        }

        _key = privateKey;
        _ownsKey = ownsKey;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// A signer for a PEM private key: <c>-----BEGIN EC PRIVATE KEY-----</c> (as
    /// <c>openssl ecparam -name secp384r1 -genkey</c> writes it) or <c>-----BEGIN PRIVATE KEY-----</c> (PKCS#8).
    /// </summary>
    /// <param name="pem">The PEM text.</param>
    /// <param name="timeProvider">The clock the 10-minute rule is checked against.</param>
    /// <returns>A signer that owns (and disposes) the key.</returns>
    /// <exception cref="ArgumentException">The PEM holds no P-384 private key.</exception>
    public static PlaybackTokenSigner FromPem(string pem, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            _ = key.ExportParameters(includePrivateParameters: true);
            return new PlaybackTokenSigner(key, ownsKey: true, timeProvider);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            // The PEM itself is never echoed: it is a secret.
            throw new ArgumentException("The PEM does not hold a P-384 private key (EC PRIVATE KEY or PKCS#8 PRIVATE KEY).", nameof(pem), e is ArgumentException ? null : e);
        }
    }

    /// <summary>Appends <c>token=</c> to a playback URL (with '?' or '&amp;' as its query needs).</summary>
    /// <param name="playbackUrl">The channel's playback URL.</param>
    /// <param name="token">A token from <see cref="Sign"/>.</param>
    /// <returns>The URL a player can open.</returns>
    public static string AuthorizeUrl(string playbackUrl, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(playbackUrl);
        ArgumentException.ThrowIfNullOrEmpty(token);
        return playbackUrl + (playbackUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "token=" + Uri.EscapeDataString(token);
    }

    /// <summary>Signs a token with <paramref name="claims"/>.</summary>
    /// <param name="claims">The claims.</param>
    /// <returns>The compact JWT, <c>header.payload.signature</c>.</returns>
    /// <exception cref="ArgumentException">The claims break one of IVS's rules (the message says which).</exception>
    public string Sign(PlaybackTokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        Validate(claims);
        var payload = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString(PlaybackTokenClaimNames.ChannelArn, claims.ChannelArn);
            if (claims.AllowedOrigins is { } origins)
            {
                writer.WriteString(PlaybackTokenClaimNames.AccessControlAllowOrigin, string.Join(',', origins));
            }

            if (claims.StrictOriginEnforcement is { } strict)
            {
                writer.WriteBoolean(PlaybackTokenClaimNames.StrictOriginEnforcement, strict);
            }

            if (claims.SingleUseId is { } singleUse)
            {
                writer.WriteString(PlaybackTokenClaimNames.SingleUseUuid, singleUse);
            }

            if (claims.ViewerId is { } viewerId)
            {
                writer.WriteString(PlaybackTokenClaimNames.ViewerId, viewerId);
            }

            if (claims.ViewerSessionVersion is { } version)
            {
                writer.WriteNumber(PlaybackTokenClaimNames.ViewerSessionVersion, version);
            }

            if (claims.MaximumResolution is { } resolution)
            {
                writer.WriteString(PlaybackTokenClaimNames.MaximumResolution, resolution switch
                {
                    PlaybackMaximumResolution.Sd => PlaybackTokenClaimNames.Sd,
                    PlaybackMaximumResolution.Hd => PlaybackTokenClaimNames.Hd,
                    _ => PlaybackTokenClaimNames.FullHd,
                });
            }

            writer.WriteNumber(PlaybackTokenClaimNames.Expires, claims.ExpiresAt.ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        var signingInput = EncodedHeader + "." + Base64Url.EncodeToString(payload.WrittenSpan);
        Span<byte> signature = stackalloc byte[96];
        var input = System.Text.Encoding.ASCII.GetBytes(signingInput);
        if (!_key.TrySignData(input, signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written) || written != 96)
        {
            throw new CryptographicException("ES384 signing did not produce a 96-byte signature.");
        }

        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Disposes the key if the signer created it (<see cref="FromPem"/>).</summary>
    public void Dispose()
    {
        if (_ownsKey)
        {
            _key.Dispose();
        }
    }

    private void Validate(PlaybackTokenClaims claims)
    {
        if (string.IsNullOrWhiteSpace(claims.ChannelArn))
        {
            throw new ArgumentException("ChannelArn is required.", nameof(claims));
        }

        if (claims.ViewerId is { } viewerId && (viewerId.Length == 0 || viewerId.Length > MaxViewerIdLength))
        {
            throw new ArgumentException($"ViewerId must be 1 to {MaxViewerIdLength} characters.", nameof(claims));
        }

        if (claims.SingleUseId is { Length: 0 })
        {
            throw new ArgumentException("SingleUseId must not be empty.", nameof(claims));
        }

        if ((claims.SingleUseId is not null || claims.ViewerId is not null) && claims.ExpiresAt - _time.GetUtcNow() > MaxLifetimeForSingleUseOrViewer)
        {
            throw new ArgumentException("A single-use token or one with a ViewerId may expire at most 10 minutes ahead.", nameof(claims));
        }

        if (claims.ViewerSessionVersion is < 0)
        {
            throw new ArgumentException("ViewerSessionVersion must not be negative.", nameof(claims));
        }

        if (claims.AllowedOrigins is { } origins)
        {
            if (origins.Count == 0 || origins.Any(o => string.IsNullOrWhiteSpace(o) || o.Contains(',', StringComparison.Ordinal)))
            {
                throw new ArgumentException("AllowedOrigins must hold at least one origin, none blank or containing ','.", nameof(claims));
            }

            if (claims.StrictOriginEnforcement == true && origins.Count > MaxStrictOrigins)
            {
                throw new ArgumentException($"With strict origin enforcement a token may allow at most {MaxStrictOrigins} origins.", nameof(claims));
            }
        }
    }
}
