using System.Globalization;
using System.Security.Cryptography;

namespace OpenIvs.Protocol.Auth;

/// <summary>
/// Verifies AWS4-HMAC-SHA256 signatures in both forms: the <c>Authorization</c> header and the presigned
/// query string (<c>X-Amz-Algorithm</c>, <c>-Credential</c>, <c>-Date</c>, <c>-Expires</c>,
/// <c>-SignedHeaders</c>, <c>-Signature</c>). Checks the credential scope (this region, this service),
/// the clock (at most <see cref="MaxClockSkew"/> away), the payload hash, the session token, and the
/// signature in constant time.
/// </summary>
public sealed class SigV4Verifier(string region, string service, TimeProvider time)
{
    /// <summary>The largest accepted distance between the request's time and the server clock.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The longest a presigned URL may be valid (7 days).</summary>
    public static readonly TimeSpan MaxPresignedExpiry = TimeSpan.FromDays(7);

    public SigV4Verification Verify(SigV4Request request, ISigV4KeyResolver keys)
    {
        var authorization = request.Header("Authorization")?.Trim();
        var presigned = authorization is null && request.QueryValue("X-Amz-Algorithm") is not null;
        if (authorization is null && !presigned)
        {
            return SigV4Verification.Fail(SigV4Failure.MissingAuthentication, "Missing Authentication Token");
        }

        var parsed = presigned ? ParsePresigned(request) : ParseAuthorizationHeader(authorization!, request);
        if (parsed.Failure is { } failure)
        {
            return failure;
        }

        var (credential, signedHeaderList, signature, amzDate, expires) = parsed.Parts;
        var scopeParts = credential.Split('/');
        if (scopeParts.Length != 5 || scopeParts[0].Length == 0)
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete,
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        }

        var (accessKeyId, date, scopeRegion, scopeService, terminator) = (scopeParts[0], scopeParts[1], scopeParts[2], scopeParts[3], scopeParts[4]);
        if (!SigV4.TryParseDate(amzDate, out var requestTime))
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete,
                presigned ? "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'."
                          : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (date != amzDate![..8])
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        if (terminator != SigV4.Terminator)
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.");
        }

        if (scopeRegion != region)
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Credential should be scoped to a valid region, not '{scopeRegion}'. This service is in '{region}'.");
        }

        if (scopeService != service)
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Credential should be scoped to correct service: '{service}'.");
        }

        var now = time.GetUtcNow();
        if (presigned)
        {
            if (requestTime - now > MaxClockSkew)
            {
                return SigV4Verification.Fail(SigV4Failure.Skewed, $"Signature not yet current: {amzDate} is still later than {SigV4.FormatDate(now + MaxClockSkew)} ({SigV4.FormatDate(now)} + 5 min.)");
            }

            if (now > requestTime + expires!.Value)
            {
                return SigV4Verification.Fail(SigV4Failure.Expired, $"Signature expired: {SigV4.FormatDate(requestTime + expires.Value)} is now earlier than {SigV4.FormatDate(now)}. The presigned URL has expired.");
            }
        }
        else if (now - requestTime > MaxClockSkew)
        {
            return SigV4Verification.Fail(SigV4Failure.Skewed, $"Signature expired: {amzDate} is now earlier than {SigV4.FormatDate(now - MaxClockSkew)} ({SigV4.FormatDate(now)} - 5 min.)");
        }
        else if (requestTime - now > MaxClockSkew)
        {
            return SigV4Verification.Fail(SigV4Failure.Skewed, $"Signature not yet current: {amzDate} is still later than {SigV4.FormatDate(now + MaxClockSkew)} ({SigV4.FormatDate(now)} + 5 min.)");
        }

        var signedHeaders = signedHeaderList.Split(';');
        if (!signedHeaders.Contains("host"))
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete, "'Host' must be a signed header.");
        }

        for (var i = 1; i < signedHeaders.Length; i++)
        {
            if (string.CompareOrdinal(signedHeaders[i - 1], signedHeaders[i]) >= 0 || signedHeaders[i].Any(char.IsUpper))
            {
                return SigV4Verification.Fail(SigV4Failure.Incomplete, "SignedHeaders must be lower-case header names, sorted, without repeats.");
            }
        }

        var payloadHash = PayloadHash(request, out var payloadFailure);
        if (payloadFailure is not null)
        {
            return payloadFailure;
        }

        var key = keys.Resolve(accessKeyId, date, region, service);
        if (key is null)
        {
            return SigV4Verification.Fail(SigV4Failure.UnknownKey, "The security token included in the request is invalid.", accessKeyId);
        }

        var token = request.Header("X-Amz-Security-Token") ?? request.QueryValue("X-Amz-Security-Token");
        if (key.SessionToken is not null || token is not null)
        {
            if (key.SessionToken is null || token is null
                || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(token), System.Text.Encoding.UTF8.GetBytes(key.SessionToken)))
            {
                return SigV4Verification.Fail(SigV4Failure.UnknownKey, "The security token included in the request is invalid.", accessKeyId);
            }

            if (key.Expiration is { } expiration && now >= expiration)
            {
                return SigV4Verification.Fail(SigV4Failure.ExpiredToken, "The security token included in the request is expired", accessKeyId);
            }
        }

        var canonicalRequest = SigV4.CanonicalRequest(
            request.Method,
            SigV4.CanonicalUri(request.WirePath),
            SigV4.CanonicalQuery(request.RawQuery, excludeSignature: presigned),
            SigV4.CanonicalHeaders(request.Headers, signedHeaders),
            signedHeaderList,
            payloadHash);
        var stringToSign = SigV4.StringToSign(amzDate, SigV4.Scope(date, region, service), canonicalRequest);
        Span<byte> expected = stackalloc byte[32];
        SigV4.ComputeSignature(key.SigningKey, stringToSign, expected);
        Span<byte> provided = stackalloc byte[32];
        var matches = signature.Length == 64
            && Convert.FromHexString(signature, provided, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32
            && CryptographicOperations.FixedTimeEquals(expected, provided);
        if (!matches)
        {
            return new SigV4Verification(
                SigV4Failure.SignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
                $"Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{canonicalRequest}'\n\n" +
                $"The String-to-Sign should have been\n'{stringToSign}'\n",
                accessKeyId, null, canonicalRequest, stringToSign);
        }

        return new SigV4Verification(SigV4Failure.None, null, accessKeyId, key.Principal, canonicalRequest, stringToSign);
    }

    private static string PayloadHash(SigV4Request request, out SigV4Verification? failure)
    {
        failure = null;
        var actual = request.Body.IsEmpty ? SigV4.EmptyPayloadHash : SigV4.HexSha256(request.Body.Span);
        var declared = request.Header("X-Amz-Content-Sha256");
        if (declared is null)
        {
            return actual;
        }

        if (declared == "UNSIGNED-PAYLOAD" || declared.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            failure = SigV4Verification.Fail(SigV4Failure.PayloadHashMismatch, $"This service requires signed payloads; '{declared}' is not accepted.");
            return actual;
        }

        if (!string.Equals(declared, actual, StringComparison.OrdinalIgnoreCase))
        {
            failure = SigV4Verification.Fail(SigV4Failure.PayloadHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        return declared;
    }

    private readonly record struct Parsed(
        SigV4Verification? Failure, (string Credential, string SignedHeaders, string Signature, string? AmzDate, TimeSpan? Expires) Parts);

    private static Parsed ParseAuthorizationHeader(string authorization, SigV4Request request)
    {
        if (!authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            var scheme = authorization.Split(' ', 2)[0];
            return new(SigV4Verification.Fail(SigV4Failure.Incomplete, $"Unsupported authorization type '{scheme}'; use {SigV4.Algorithm}."), default);
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(SigV4.Algorithm.Length + 1)..].Split(','))
        {
            var trimmed = part.Trim();
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return new(SigV4Verification.Fail(SigV4Failure.Incomplete, $"Authorization header element '{trimmed}' is not key=value."), default);
            }

            var (name, value) = (trimmed[..equals], trimmed[(equals + 1)..]);
            switch (name)
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        foreach (var (name, value) in new[] { ("Credential", credential), ("SignedHeaders", signedHeaders), ("Signature", signature) })
        {
            if (string.IsNullOrEmpty(value))
            {
                return new(SigV4Verification.Fail(SigV4Failure.Incomplete, $"Authorization header requires '{name}' parameter."), default);
            }
        }

        var amzDate = request.Header("X-Amz-Date") ?? DateHeader(request.Header("Date"));
        return new(null, (credential!, signedHeaders!, signature!, amzDate, null));
    }

    private static string? DateHeader(string? date) =>
        date is not null && DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? SigV4.FormatDate(parsed)
            : null;

    private static Parsed ParsePresigned(SigV4Request request)
    {
        var algorithm = request.QueryValue("X-Amz-Algorithm");
        if (algorithm != SigV4.Algorithm)
        {
            return new(SigV4Verification.Fail(SigV4Failure.Incomplete, $"X-Amz-Algorithm must be {SigV4.Algorithm}."), default);
        }

        var values = new Dictionary<string, string?>
        {
            ["X-Amz-Credential"] = request.QueryValue("X-Amz-Credential"),
            ["X-Amz-SignedHeaders"] = request.QueryValue("X-Amz-SignedHeaders"),
            ["X-Amz-Signature"] = request.QueryValue("X-Amz-Signature"),
            ["X-Amz-Date"] = request.QueryValue("X-Amz-Date"),
            ["X-Amz-Expires"] = request.QueryValue("X-Amz-Expires"),
        };
        foreach (var (name, value) in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                return new(SigV4Verification.Fail(SigV4Failure.Incomplete, $"AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."), default);
            }
        }

        if (!long.TryParse(values["X-Amz-Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 1 || TimeSpan.FromSeconds(seconds) > MaxPresignedExpiry)
        {
            return new(SigV4Verification.Fail(SigV4Failure.Incomplete, "X-Amz-Expires must be a whole number of seconds from 1 to 604800."), default);
        }

        return new(null, (values["X-Amz-Credential"]!, values["X-Amz-SignedHeaders"]!, values["X-Amz-Signature"]!, values["X-Amz-Date"], TimeSpan.FromSeconds(seconds)));
    }
}

/// <summary>Why a request failed verification.</summary>
public enum SigV4Failure
{
    None,

    /// <summary>No Authorization header and no presigned query.</summary>
    MissingAuthentication,

    /// <summary>The Authorization header or presigned query is malformed or incomplete.</summary>
    Incomplete,

    /// <summary>The credential scope names another date, region, service or terminator.</summary>
    WrongScope,

    /// <summary>The request time is too far from the server clock.</summary>
    Skewed,

    /// <summary>A presigned URL's validity has passed.</summary>
    Expired,

    /// <summary>The access key (or its session token) is unknown.</summary>
    UnknownKey,

    /// <summary>Temporary credentials whose time is up.</summary>
    ExpiredToken,

    /// <summary>The declared payload hash does not match the body, or the payload is unsigned.</summary>
    PayloadHashMismatch,

    /// <summary>The signature does not match.</summary>
    SignatureMismatch,
}

/// <summary>The outcome of <see cref="SigV4Verifier.Verify"/>.</summary>
public sealed record SigV4Verification(
    SigV4Failure Failure, string? Message, string? AccessKeyId, object? Principal, string? CanonicalRequest, string? StringToSign)
{
    public bool Succeeded => Failure == SigV4Failure.None;

    internal static SigV4Verification Fail(SigV4Failure failure, string message, string? accessKeyId = null) =>
        new(failure, message, accessKeyId, null, null, null);
}
