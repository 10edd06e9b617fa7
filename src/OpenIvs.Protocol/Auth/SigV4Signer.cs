using System.Runtime.CompilerServices;

namespace OpenIvs.Protocol.Auth;

/// <summary>
/// Signs an outgoing request (header form or presigned query form) with <see cref="SigV4"/>.
/// Transport-neutral: callers describe the request and apply the returned headers or query.
/// </summary>
public static class SigV4Signer
{
    // The derived signing key of each credentials object, for the day, region and service it was last used
    // with: a client signs every call with the same credentials, and deriving costs four HMACs. Held weakly
    // by the credentials object, so refreshed or dropped credentials take their key with them.
    private static readonly ConditionalWeakTable<SigV4Credentials, DerivedKey> DerivedKeys = [];

    private sealed record DerivedKey(string Date, string Region, string Service, SigV4Key Key);

    /// <summary>
    /// Computes the <c>Authorization</c> header for a request. <paramref name="headers"/> must already hold
    /// every header to sign, including <c>host</c> and <c>x-amz-date</c>. With temporary credentials the
    /// <c>x-amz-security-token</c> header is signed too (added here when absent; the caller must send it).
    /// </summary>
    public static SigV4Result SignHeaders(
        string method, string wirePath, string? rawQuery, IReadOnlyList<KeyValuePair<string, string>> headers,
        string payloadHash, SigV4Credentials credentials, string region, string service, DateTimeOffset time)
    {
        var amzDate = SigV4.FormatDate(time);
        var date = amzDate[..8];
        if (credentials.SessionToken is { } token && !headers.Any(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)))
        {
            headers = [.. headers, new("X-Amz-Security-Token", token)];
        }

        var signedHeaders = string.Join(';', headers.Select(h => h.Key.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var canonicalRequest = SigV4.CanonicalRequest(method, wirePath, rawQuery, headers, signedHeaders, payloadHash);
        var stringToSign = SigV4.StringToSign(amzDate, region, service, canonicalRequest);
        var signature = SigV4.Signature(SigningKey(credentials, date, region, service).Hmac, stringToSign);
        var authorization = $"{SigV4.Algorithm} Credential={credentials.AccessKeyId}/{SigV4.Scope(date, region, service)}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Result(authorization, signature, canonicalRequest, stringToSign);
    }

    /// <summary>
    /// Builds a presigned query string (without '?') for a request signed over the <c>host</c> header only.
    /// <paramref name="rawQuery"/> holds the request's own query parameters, already encoded.
    /// </summary>
    public static string Presign(
        string method, string wirePath, string? rawQuery, string host, string payloadHash, SigV4Credentials credentials,
        string region, string service, DateTimeOffset time, TimeSpan expires)
    {
        var amzDate = SigV4.FormatDate(time);
        var date = amzDate[..8];
        var scope = SigV4.Scope(date, region, service);
        var parameters = new List<string>
        {
            "X-Amz-Algorithm=" + SigV4.Algorithm,
            "X-Amz-Credential=" + SigV4.UriEncode($"{credentials.AccessKeyId}/{scope}", encodeSlash: true),
            "X-Amz-Date=" + amzDate,
            "X-Amz-Expires=" + ((long)expires.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "X-Amz-SignedHeaders=host",
        };
        if (credentials.SessionToken is { } token)
        {
            parameters.Add("X-Amz-Security-Token=" + SigV4.UriEncode(token, encodeSlash: true));
        }

        var query = string.IsNullOrEmpty(rawQuery) ? string.Join('&', parameters) : rawQuery.TrimStart('?') + "&" + string.Join('&', parameters);
        var canonicalRequest = SigV4.CanonicalRequest(method, wirePath, query, [new("host", host)], "host", payloadHash);
        var signature = SigV4.Signature(SigningKey(credentials, date, region, service).Hmac, SigV4.StringToSign(amzDate, region, service, canonicalRequest));
        return query + "&X-Amz-Signature=" + signature;
    }

    private static SigV4Key SigningKey(SigV4Credentials credentials, string date, string region, string service)
    {
        if (DerivedKeys.TryGetValue(credentials, out var cached) && cached.Date == date && cached.Region == region && cached.Service == service)
        {
            return cached.Key;
        }

        var key = new SigV4Key(SigV4.SigningKey(credentials.SecretAccessKey, date, region, service), null, null, credentials.AccessKeyId);
        DerivedKeys.AddOrUpdate(credentials, new DerivedKey(date, region, service, key));
        return key;
    }

}

/// <summary>An access key, with the session token of temporary credentials.</summary>
public sealed record SigV4Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    // Keep the secret out of logs and debugger displays.
    public override string ToString() => $"SigV4Credentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "set")} }}";
}

/// <summary>The outcome of signing, with the intermediate strings for diagnostics and tests.</summary>
public sealed record SigV4Result(string Authorization, string Signature, string CanonicalRequest, string StringToSign);
