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
internal sealed class SigV4Verifier(string region, string service, TimeProvider time)
{
    /// <summary>The largest accepted distance between the request's time and the server clock.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The longest a presigned URL may be valid (7 days).</summary>
    public static readonly TimeSpan MaxPresignedExpiry = TimeSpan.FromDays(7);

    /// <summary>
    /// S3's rules for the payload: presigned URLs sign the literal <c>UNSIGNED-PAYLOAD</c>, and a header request may
    /// declare it. Off for every other service (signed payloads only).
    /// </summary>
    public bool AcceptUnsignedPayload { get; init; }

    public SigV4Verification Verify(SigV4Request request, ISigV4KeyResolver keys)
    {
        var authorization = request.Header("Authorization");
        var presigned = authorization is null && request.QueryValue("X-Amz-Algorithm") is not null;
        if (authorization is null && !presigned)
        {
            return SigV4Verification.Fail(SigV4Failure.MissingAuthentication, "Missing Authentication Token");
        }

        var failure = presigned ? ParsePresigned(request, out var parts) : ParseAuthorizationHeader(authorization.AsSpan().Trim(), request, out parts);
        if (failure is not null)
        {
            return failure;
        }

        var credential = parts.Credential;
        Span<Range> scope = stackalloc Range[6];
        if (credential.Split(scope, '/') != 5 || credential[scope[0]].IsEmpty)
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete,
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
        }

        var date = credential[scope[1]];
        var scopeRegion = credential[scope[2]];
        var scopeService = credential[scope[3]];
        var terminator = credential[scope[4]];
        var amzDate = parts.AmzDate!;
        if (!SigV4.TryParseDate(amzDate, out var requestTime))
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete,
                presigned ? "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'."
                          : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (!date.SequenceEqual(amzDate.AsSpan(0, 8)))
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{amzDate.AsSpan(0, 8)}', from '{amzDate}'.");
        }

        if (!terminator.SequenceEqual(SigV4.Terminator))
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'.");
        }

        if (!scopeRegion.SequenceEqual(region))
        {
            return SigV4Verification.Fail(SigV4Failure.WrongScope, $"Credential should be scoped to a valid region, not '{scopeRegion}'. This service is in '{region}'.");
        }

        if (!scopeService.SequenceEqual(service))
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

            if (now > requestTime + parts.Expires)
            {
                return SigV4Verification.Fail(SigV4Failure.Expired, $"Signature expired: {SigV4.FormatDate(requestTime + parts.Expires)} is now earlier than {SigV4.FormatDate(now)}. The presigned URL has expired.");
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

        if (CheckSignedHeaders(parts.SignedHeaders) is { } headersFailure)
        {
            return headersFailure;
        }

        Span<char> payloadHash = stackalloc char[64];
        var payloadHashLength = PayloadHash(request, payloadHash, presigned, out var payloadFailure);
        if (payloadFailure is not null)
        {
            return payloadFailure;
        }

        var accessKeyId = credential[scope[0]].ToString();
        var key = keys.Resolve(accessKeyId, amzDate[..8], region, service);
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

        // Hash the canonical request and sign the string to sign straight from pooled UTF-8 buffers; the
        // strings themselves are built only for an error message or when a caller asks for them.
        Span<byte> expected = stackalloc byte[32];
        var builder = new Utf8Builder(1024);
        try
        {
            SigV4.WriteCanonicalRequest(ref builder, request.Method, request.WirePath, request.RawQuery, presigned,
                request.Headers, parts.SignedHeaders, payloadHash[..payloadHashLength]);
            Sha256.Hash(builder.Written, expected);
            builder.Clear();
            SigV4.WriteStringToSign(ref builder, amzDate, region, service, expected);
            key.Hmac.Compute(builder.Written, expected);
        }
        finally
        {
            builder.Dispose();
        }

        Span<byte> provided = stackalloc byte[32];
        var signature = parts.Signature;
        var matches = signature.Length == 64
            && Convert.FromHexString(signature, provided, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32
            && CryptographicOperations.FixedTimeEquals(expected, provided);
        var verification = new SigV4Verification(
            matches ? SigV4Failure.None : SigV4Failure.SignatureMismatch, null, accessKeyId, matches ? key.Principal : null, this, request, presigned);
        if (!matches)
        {
            verification.Message =
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. " +
                $"Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{verification.CanonicalRequest}'\n\n" +
                $"The String-to-Sign should have been\n'{verification.StringToSign}'\n";
        }

        return verification;
    }

    /// <summary>The canonical request and string to sign of a request that got past parsing, as strings.</summary>
    internal (string CanonicalRequest, string StringToSign) Describe(SigV4Request request, bool presigned)
    {
        var authorization = request.Header("Authorization");
        _ = presigned ? ParsePresigned(request, out var parts) : ParseAuthorizationHeader(authorization.AsSpan().Trim(), request, out parts);
        Span<char> payloadHash = stackalloc char[64];
        var length = PayloadHash(request, payloadHash, presigned, out _);
        var canonicalRequest = SigV4.CanonicalRequest(
            request.Method, request.WirePath, request.RawQuery, request.Headers, parts.SignedHeaders.ToString(), payloadHash[..length].ToString(), presigned);
        return (canonicalRequest, SigV4.StringToSign(parts.AmzDate!, region, service, canonicalRequest));
    }

    /// <summary>SignedHeaders must include host and be lower-case names, sorted, without repeats.</summary>
    private static SigV4Verification? CheckSignedHeaders(ReadOnlySpan<char> signedHeaders)
    {
        var hasHost = false;
        ReadOnlySpan<char> previous = default;
        var index = 0;
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            if ((index++ > 0 && previous.SequenceCompareTo(name) >= 0) || name.ContainsAnyInRange('A', 'Z'))
            {
                return SigV4Verification.Fail(SigV4Failure.Incomplete, "SignedHeaders must be lower-case header names, sorted, without repeats.");
            }

            hasHost |= name.SequenceEqual("host");
            previous = name;
        }

        return hasHost ? null : SigV4Verification.Fail(SigV4Failure.Incomplete, "'Host' must be a signed header.");
    }

    /// <summary>Writes the payload hash to sign into <paramref name="destination"/> (64 chars) and returns its length.</summary>
    private int PayloadHash(SigV4Request request, Span<char> destination, bool presigned, out SigV4Verification? failure)
    {
        failure = null;
        var declaredUnsigned = request.Header("X-Amz-Content-Sha256") == "UNSIGNED-PAYLOAD";
        if (AcceptUnsignedPayload && (presigned || declaredUnsigned))
        {
            "UNSIGNED-PAYLOAD".CopyTo(destination);
            return "UNSIGNED-PAYLOAD".Length;
        }

        if (request.Body.IsEmpty)
        {
            SigV4.EmptyPayloadHash.CopyTo(destination);
        }
        else
        {
            Span<byte> hash = stackalloc byte[32];
            Sha256.Hash(request.Body.Span, hash);
            Convert.TryToHexStringLower(hash, destination, out _);
        }

        var declared = request.Header("X-Amz-Content-Sha256");
        if (declared is null)
        {
            return 64;
        }

        if (declared == "UNSIGNED-PAYLOAD" || declared.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            failure = SigV4Verification.Fail(SigV4Failure.PayloadHashMismatch, $"This service requires signed payloads; '{declared}' is not accepted.");
            return 64;
        }

        if (!destination.Equals(declared, StringComparison.OrdinalIgnoreCase))
        {
            failure = SigV4Verification.Fail(SigV4Failure.PayloadHashMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            return 64;
        }

        declared.CopyTo(destination); // signed as sent, upper-case hex included
        return 64;
    }

    /// <summary>The signature's parts, as slices of the header or of the decoded query values.</summary>
    private ref struct SignatureParts
    {
        public ReadOnlySpan<char> Credential;
        public ReadOnlySpan<char> SignedHeaders;
        public ReadOnlySpan<char> Signature;
        public string? AmzDate;
        public TimeSpan Expires;
    }

    private static SigV4Verification? ParseAuthorizationHeader(ReadOnlySpan<char> authorization, SigV4Request request, out SignatureParts parts)
    {
        parts = default;
        if (!authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            var space = authorization.IndexOf(' ');
            var scheme = space < 0 ? authorization : authorization[..space];
            return SigV4Verification.Fail(SigV4Failure.Incomplete, $"Unsupported authorization type '{scheme}'; use {SigV4.Algorithm}.");
        }

        var elements = authorization[(SigV4.Algorithm.Length + 1)..];
        foreach (var range in elements.Split(','))
        {
            var element = elements[range].Trim();
            var equals = element.IndexOf('=');
            if (equals <= 0)
            {
                return SigV4Verification.Fail(SigV4Failure.Incomplete, $"Authorization header element '{element}' is not key=value.");
            }

            var name = element[..equals];
            var value = element[(equals + 1)..];
            if (name.SequenceEqual("Credential"))
            {
                parts.Credential = value;
            }
            else if (name.SequenceEqual("SignedHeaders"))
            {
                parts.SignedHeaders = value;
            }
            else if (name.SequenceEqual("Signature"))
            {
                parts.Signature = value;
            }
        }

        var missing = parts.Credential.IsEmpty ? "Credential" : parts.SignedHeaders.IsEmpty ? "SignedHeaders" : parts.Signature.IsEmpty ? "Signature" : null;
        if (missing is not null)
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete, $"Authorization header requires '{missing}' parameter.");
        }

        parts.AmzDate = request.Header("X-Amz-Date") ?? DateHeader(request.Header("Date"));
        return null;
    }

    private static string? DateHeader(string? date) =>
        date is not null && DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? SigV4.FormatDate(parsed)
            : null;

    private static SigV4Verification? ParsePresigned(SigV4Request request, out SignatureParts parts)
    {
        parts = default;
        var algorithm = request.QueryValue("X-Amz-Algorithm");
        if (algorithm != SigV4.Algorithm)
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete, $"X-Amz-Algorithm must be {SigV4.Algorithm}.");
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
                return SigV4Verification.Fail(SigV4Failure.Incomplete, $"AWS query-string parameters must include '{name}'. Re-examine the query-string parameters.");
            }
        }

        if (!long.TryParse(values["X-Amz-Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 1 || TimeSpan.FromSeconds(seconds) > MaxPresignedExpiry)
        {
            return SigV4Verification.Fail(SigV4Failure.Incomplete, "X-Amz-Expires must be a whole number of seconds from 1 to 604800.");
        }

        parts.Credential = values["X-Amz-Credential"];
        parts.SignedHeaders = values["X-Amz-SignedHeaders"];
        parts.Signature = values["X-Amz-Signature"];
        parts.AmzDate = values["X-Amz-Date"];
        parts.Expires = TimeSpan.FromSeconds(seconds);
        return null;
    }
}

/// <summary>Why a request failed verification.</summary>
internal enum SigV4Failure
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
internal sealed class SigV4Verification
{
    private readonly SigV4Verifier? _verifier;
    private readonly SigV4Request? _request;
    private readonly bool _presigned;
    private (string CanonicalRequest, string StringToSign)? _described;

    internal SigV4Verification(
        SigV4Failure failure, string? message, string? accessKeyId, object? principal,
        SigV4Verifier? verifier = null, SigV4Request? request = null, bool presigned = false)
    {
        Failure = failure;
        Message = message;
        AccessKeyId = accessKeyId;
        Principal = principal;
        (_verifier, _request, _presigned) = (verifier, request, presigned);
    }

    public SigV4Failure Failure { get; }

    public string? Message { get; internal set; }

    /// <summary>The access key the request named, once it could be read.</summary>
    public string? AccessKeyId { get; }

    /// <summary>Who the key belongs to, when verification succeeded.</summary>
    public object? Principal { get; }

    public bool Succeeded => Failure == SigV4Failure.None;

    /// <summary>The canonical request the server computed (once the signature was checked), built on first use.</summary>
    public string? CanonicalRequest => Described?.CanonicalRequest;

    /// <summary>The string to sign the server computed (once the signature was checked), built on first use.</summary>
    public string? StringToSign => Described?.StringToSign;

    private (string CanonicalRequest, string StringToSign)? Described =>
        _described ??= _verifier is null ? null : _verifier.Describe(_request!, _presigned);

    internal static SigV4Verification Fail(SigV4Failure failure, string message, string? accessKeyId = null) =>
        new(failure, message, accessKeyId, null);
}
