using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.PlaybackTokens;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Playback;

/// <summary>What a viewer may do: the origins it may play from (null: any) and whether every request must show one.</summary>
internal sealed record PlaybackGrant(IReadOnlyList<string>? AllowedOrigins, bool StrictOrigin, string? ViewerId, long ViewerSessionVersion)
{
    /// <summary>The token's maximum resolution as the largest shorter picture edge (SD 480, HD 720, FULL_HD 1080).</summary>
    public int? MaximumShortEdge { get; init; }

    /// <summary>
    /// The token's single-use id, spent when playback actually starts: the key that signed the token (its fingerprint,
    /// so ids of different keys never collide), the id, and the token's expiry (Unix seconds).
    /// </summary>
    public (string KeyId, string Id, long Expiry)? SingleUse { get; init; }

    /// <summary>The policy's allowed countries (upper-case ISO codes), or null for any country.</summary>
    public IReadOnlySet<string>? AllowedCountries { get; init; }

    public static PlaybackGrant Anyone { get; } = new(null, false, null, 0);

    /// <summary>The Access-Control-Allow-Origin value for a request from <paramref name="origin"/>, or null to send none.</summary>
    public string? AllowOriginHeader(string? origin)
    {
        if (AllowedOrigins is null)
        {
            return "*";
        }

        return origin is not null && AllowedOrigins.Any(pattern => OriginMatches(origin, pattern)) ? origin : null;
    }

    /// <summary>Strict origin enforcement: every request must carry an allowed Origin header.</summary>
    public bool Admits(string? origin) => !StrictOrigin || (origin is not null && AllowOriginHeader(origin) is not null);

    /// <summary>Exact (case-insensitive) or with a host wildcard prefix such as <c>https://*.example.com</c>.</summary>
    public static bool OriginMatches(string origin, string pattern)
    {
        pattern = pattern.Trim();
        if (pattern == "*" || string.Equals(origin, pattern, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var star = pattern.IndexOf("://*.", StringComparison.Ordinal);
        if (star < 0)
        {
            return false;
        }

        var scheme = pattern[..(star + 3)];
        var suffix = pattern[(star + 4)..]; // ".example.com"
        return origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
            && origin.Length > scheme.Length + suffix.Length;
    }
}

/// <summary>
/// Decides whether a viewer may start playback (ivs-behavior.md sections 6 and 7): private channels need a
/// playback token (ES384 JWT) signed by one of the account's imported playback keys; public channels follow
/// their playback restriction policy's origins and countries (<see cref="ViewerCountries"/>) on every request.
/// Single-use ids are spent in <see cref="ISingleUseIds"/> (in memory on one node, shared by a cluster's nodes).
/// </summary>
internal sealed class PlaybackAuthorizer(ResourceTables resources, TimeProvider time, ViewerCountries? countries = null, ISingleUseIds? singleUseIds = null)
{
    /// <summary>The error code of a refused country (the code of Twitch's playback service, which IVS's error bodies follow).</summary>
    public const string GeoblockedCode = "content_geoblocked";

    private static readonly TimeSpan ShortLivedTokenLimit = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private const string AlreadyUsed = "single-use token has already been used";
    private readonly ConcurrentDictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time;
    private readonly ISingleUseIds _singleUseIds = singleUseIds ?? new LocalSingleUseIds(time);
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<PlaybackRestrictionPolicyRecord, PlaybackGrant> _policyGrants = new();

    /// <summary>A grant for <paramref name="request"/> to start playback, or the reason it is refused (403).</summary>
    public (PlaybackGrant? Grant, string? Error, string ErrorCode) Authorize(Channel channel, string? token, HttpContext request)
    {
        var origin = (string?)request.Request.Headers.Origin;
        if (channel.Authorized != true)
        {
            var grant = PolicyGrant(channel);
            var (refusal, code) = Admit(grant, request);
            return refusal is null ? (grant, null, "") : (null, refusal, code);
        }

        if (string.IsNullOrEmpty(token))
        {
            return (null, "token required", "invalid_playback_auth_token");
        }

        var (claims, keyId, error) = ReadVerifiedClaims(token);
        if (claims is null)
        {
            return (null, error, "invalid_playback_auth_token");
        }

        using (claims)
        {
            try
            {
                return Check(channel, claims.RootElement, keyId!, origin);
            }
            catch (InvalidOperationException)
            {
                return (null, "token claims are not valid UTF-8", "invalid_playback_auth_token"); // a string claim that cannot be read
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="request"/> may read a channel's playlists and media under <paramref name="grant"/>: its
    /// Origin (strict enforcement), then its viewer's country. Null, or the error and its code (403).
    /// </summary>
    public (string? Error, string ErrorCode) Admit(PlaybackGrant grant, HttpContext request)
    {
        var origin = (string?)request.Request.Headers.Origin;
        if (!grant.Admits(origin))
        {
            return (origin is null ? "origin required" : "origin not allowed", "playback_auth_error");
        }

        if (grant.AllowedCountries is not { } allowed)
        {
            return (null, "");
        }

        // Fail closed: a policy that lists countries admits only viewers known to be in one of them.
        if (countries is not { HasSource: true })
        {
            return ("Content Restricted In Region: the server has no source of viewer countries (GeoIP database or trusted country header)", GeoblockedCode);
        }

        return countries.Resolve(request) switch
        {
            null => ("Content Restricted In Region: the country of the viewer is unknown", GeoblockedCode),
            var country when allowed.Contains(country) => (null, ""),
            _ => ("Content Restricted In Region", GeoblockedCode),
        };
    }

    /// <summary>Whether a session's viewer has been revoked since it started (StartViewerSessionRevocation).</summary>
    public bool IsRevoked(string channelArn, PlaybackGrant grant) =>
        grant.ViewerId is { } viewerId
        && IvsArn.TryParse(channelArn, out var arn)
        && resources.ViewerRevocations.TryGet(arn.Value.Id + "/" + viewerId, out var revocation)
        && grant.ViewerSessionVersion <= revocation.MaxVersion;

    /// <summary>
    /// Spends a grant's single-use id as playback starts (the one step that may ask the cluster's database, once per
    /// session, never per media request). Null, or why playback is refused (403 <c>playback_auth_error</c>): the id was
    /// spent before, on any node, or it could not be checked (fail closed: never a second session for one token).
    /// </summary>
    public async ValueTask<string?> SpendAsync(PlaybackGrant grant, CancellationToken cancellationToken)
    {
        if (grant.SingleUse is not { } singleUse)
        {
            return null;
        }

        // Kept as long as any node accepts the token: its expiry plus the clock skew allowed.
        var keepUntil = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(singleUse.Expiry, 0, 253402300799 - (long)ClockSkew.TotalSeconds)) + ClockSkew;
        return await _singleUseIds.SpendAsync(singleUse.KeyId, singleUse.Id, keepUntil, cancellationToken).ConfigureAwait(false) switch
        {
            SingleUseSpend.Spent => null,
            SingleUseSpend.AlreadySpent => AlreadyUsed,
            _ => "single-use token cannot be checked now",
        };
    }

    /// <summary>Forgets single-use ids whose tokens can no longer be used.</summary>
    public void Sweep() => _singleUseIds.Sweep();

    /// <summary>
    /// What the channel's playback restriction policy allows (any origin without one). It decides every request of
    /// a public channel, and the CORS headers of every error, so a refusal never echoes an origin the policy does
    /// not name.
    /// </summary>
    public PlaybackGrant PolicyGrant(Channel channel)
    {
        if (channel.PlaybackRestrictionPolicyArn is not { Length: > 0 } policyArn
            || !IvsArn.TryParse(policyArn, out var arn)
            || !resources.PlaybackRestrictionPolicies.TryGet(arn.Value.Id, out var record))
        {
            return PlaybackGrant.Anyone;
        }

        // Asked on every media request: one grant per stored policy (an update stores a new record).
        return _policyGrants.GetValue(record, static record =>
        {
            var policy = record.Policy;
            var origins = policy.AllowedOrigins is { Count: > 0 } list ? list : null;
            var countries = ViewerCountries.RestrictsCountries(policy.AllowedCountries)
                ? policy.AllowedCountries!.Select(c => c.ToUpperInvariant()).ToFrozenSet(StringComparer.Ordinal)
                : null;
            return new PlaybackGrant(origins, policy.EnableStrictOriginEnforcement == true && origins is not null, null, 0) { AllowedCountries = countries };
        });
    }

    /// <summary>The token's claims and the key that signed it (its fingerprint), or why it is not valid.</summary>
    private (JsonDocument? Claims, string? KeyId, string? Error) ReadVerifiedClaims(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return (null, null, "token contains an invalid number of segments");
        }

        var header = DecodeSegment(parts[0]);
        var payload = DecodeSegment(parts[1]);
        var signature = DecodeSegment(parts[2]);
        if (header is null || payload is null || signature is null)
        {
            return (null, null, "token is not base64url encoded");
        }

        try
        {
            using (var headerJson = JsonDocument.Parse(header))
            {
                if (headerJson.RootElement.ValueKind != JsonValueKind.Object
                    || !headerJson.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || !alg.ValueEquals(PlaybackTokenClaimNames.Algorithm))
                {
                    return (null, null, "token algorithm must be ES384");
                }
            }

            var signingInput = System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (resources.PlaybackKeyPairs.Values.FirstOrDefault(key => VerifyWith(key, signingInput, signature)) is not { } signedBy)
            {
                return (null, null, "token signature is invalid");
            }

            var claims = JsonDocument.Parse(payload);
            if (claims.RootElement.ValueKind != JsonValueKind.Object)
            {
                claims.Dispose();
                return (null, null, "token claims are not an object");
            }

            // The fingerprint, not the ARN: a key deleted and imported again still knows the ids it spent.
            return (claims, signedBy.KeyPair.Fingerprint ?? signedBy.KeyPair.Arn, null);
        }
        catch (JsonException)
        {
            return (null, null, "token is not valid JSON");
        }
    }

    private (PlaybackGrant? Grant, string? Error, string ErrorCode) Check(Channel channel, JsonElement claims, string keyId, string? origin)
    {
        const string code = "playback_auth_error";
        if (String(claims, PlaybackTokenClaimNames.ChannelArn) != channel.Arn)
        {
            return (null, "token is not for this channel", code);
        }

        var now = _time.GetUtcNow();
        if (!claims.TryGetProperty(PlaybackTokenClaimNames.Expires, out var expElement) || !expElement.TryGetInt64(out var exp))
        {
            return (null, "token has no expiry (exp)", code);
        }

        if (DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, 0, 253402300799)) < now - ClockSkew)
        {
            return (null, "token has expired", code);
        }

        var singleUse = String(claims, PlaybackTokenClaimNames.SingleUseUuid);
        var viewerId = String(claims, PlaybackTokenClaimNames.ViewerId);
        if ((singleUse is not null || viewerId is not null) && DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, 0, 253402300799)) > now + ShortLivedTokenLimit + ClockSkew)
        {
            return (null, "tokens with a single-use id or a viewer id must expire within 10 minutes", code);
        }

        if (viewerId is { Length: > 40 })
        {
            return (null, "viewer id is longer than 40 characters", code);
        }

        long version = 0;
        if (claims.TryGetProperty(PlaybackTokenClaimNames.ViewerSessionVersion, out var versionElement) && !versionElement.TryGetInt64(out version))
        {
            return (null, "viewer session version must be an integer", code);
        }

        var origins = String(claims, PlaybackTokenClaimNames.AccessControlAllowOrigin) is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        var strict = claims.TryGetProperty(PlaybackTokenClaimNames.StrictOriginEnforcement, out var strictElement) && strictElement.ValueKind == JsonValueKind.True;
        if (strict && origins is { Length: > 5 })
        {
            return (null, "strict origin enforcement allows at most 5 origins", code);
        }

        int? maximumShortEdge = String(claims, PlaybackTokenClaimNames.MaximumResolution) switch
        {
            null => null,
            PlaybackTokenClaimNames.Sd => 480,
            PlaybackTokenClaimNames.Hd => 720,
            PlaybackTokenClaimNames.FullHd => 1080,
            _ => -1,
        };
        if (maximumShortEdge < 0)
        {
            return (null, "maximum resolution must be SD, HD or FULL_HD", code);
        }

        var grant = new PlaybackGrant(origins, strict && origins is not null, viewerId, version) { MaximumShortEdge = maximumShortEdge };
        if (!grant.Admits(origin))
        {
            return (null, origin is null ? "origin required" : "origin not allowed", code);
        }

        if (IsRevoked(channel.Arn!, grant))
        {
            return (null, "viewer session has been revoked", code);
        }

        if (singleUse is not null && _singleUseIds.IsKnownSpent(keyId, singleUse))
        {
            return (null, AlreadyUsed, code);
        }

        return (grant with { SingleUse = singleUse is null ? null : (keyId, singleUse, exp) }, null, "");
    }

    private bool VerifyWith(PlaybackKeyPairRecord key, byte[] signingInput, byte[] signature)
    {
        var ecdsa = _keys.GetOrAdd(key.KeyPair.Arn + "\n" + key.PublicKeyPem, static (_, pem) =>
        {
            var created = ECDsa.Create();
            created.ImportFromPem(pem);
            return created;
        }, key.PublicKeyPem);

        // JWS ES384 signatures are r || s (IEEE P1363), 96 bytes.
        return signature.Length == 96 && ecdsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static string? String(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // Base64url without padding (RFC 7515 section 2); anything else is not a JWS segment. Checked before decoding
    // because the decoder throws on some malformed input rather than returning false.
    private static byte[]? DecodeSegment(string segment)
    {
        if (segment.Length == 0 || segment.Length > 8192 || segment.Length % 4 == 1
            || segment.AsSpan().ContainsAnyExcept(Base64UrlAlphabet))
        {
            return null;
        }

        try
        {
            var bytes = new byte[Base64Url.GetMaxDecodedLength(segment.Length)];
            return Base64Url.TryDecodeFromChars(segment, bytes, out var written) ? bytes[..written] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
