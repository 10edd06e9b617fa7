using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenIvs.Protocol.Auth;

/// <summary>
/// AWS Signature Version 4 (AWS4-HMAC-SHA256): the canonical request, string to sign, signing key and
/// signature, exactly as the specification defines them. This is the one implementation: the server
/// verifies with it and the SDK signs with it.
/// </summary>
/// <remarks>
/// Canonical URI: the path as sent on the wire, normalized (dot segments removed, empty segments merged;
/// every service but S3 does this) and then URI-encoded per segment. Because the wire path is already
/// percent-encoded, its '%' become '%25': the "double encoding" AWS services other than S3 expect
/// (<c>/tags/arn%3Aaws...</c> signs as <c>/tags/arn%253Aaws...</c>).
/// </remarks>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Terminator = "aws4_request";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>SHA-256 of the empty string, hex.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The canonical URI of a wire path.</summary>
    public static string CanonicalUri(string wirePath, bool normalize = true)
    {
        if (string.IsNullOrEmpty(wirePath))
        {
            return "/";
        }

        var path = normalize ? NormalizePath(wirePath) : wirePath;
        return UriEncode(path, encodeSlash: false);
    }

    /// <summary>Removes <c>.</c> and <c>..</c> segments and merges repeated slashes (RFC 3986 section 5.2.4, as AWS applies it).</summary>
    public static string NormalizePath(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var trailing = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
        var joined = "/" + string.Join('/', segments);
        return trailing && segments.Count > 0 ? joined + "/" : joined;
    }

    /// <summary>
    /// The canonical query string of a raw (wire) query, with or without the leading '?'. Names and
    /// values are decoded, re-encoded with RFC 3986 unreserved characters, and sorted by name then value.
    /// </summary>
    /// <param name="rawQuery">The query as sent.</param>
    /// <param name="excludeSignature">Leave out <c>X-Amz-Signature</c> (presigned URLs).</param>
    public static string CanonicalQuery(string? rawQuery, bool excludeSignature = false)
    {
        if (string.IsNullOrEmpty(rawQuery) || rawQuery == "?")
        {
            return string.Empty;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var part in rawQuery.TrimStart('?').Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..]);
            if (excludeSignature && name == "X-Amz-Signature")
            {
                continue;
            }

            pairs.Add((UriEncode(name, encodeSlash: true), UriEncode(value, encodeSlash: true)));
        }

        pairs.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>
    /// Canonical headers: lower-case names, values trimmed with inner runs of whitespace collapsed, repeated
    /// headers joined with ',' in the order received, sorted by name; each line ends with '\n'.
    /// </summary>
    /// <param name="headers">The request's headers (name, value), repeated names allowed.</param>
    /// <param name="signedHeaders">Lower-case names to include, sorted.</param>
    public static string CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers, IReadOnlyList<string> signedHeaders)
    {
        var list = headers as IReadOnlyList<KeyValuePair<string, string>> ?? headers.ToList();
        var builder = new StringBuilder(256);
        foreach (var name in signedHeaders)
        {
            builder.Append(name).Append(':');
            var first = true;
            for (var i = 0; i < list.Count; i++)
            {
                if (!string.Equals(list[i].Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!first)
                {
                    builder.Append(',');
                }

                AppendCanonicalHeaderValue(builder, list[i].Value);
                first = false;
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    private static void AppendCanonicalHeaderValue(StringBuilder builder, string value)
    {
        var span = value.AsSpan().Trim();
        var inSpace = false;
        foreach (var c in span)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (!inSpace)
                {
                    builder.Append(' ');
                }

                inSpace = true;
            }
            else
            {
                builder.Append(c);
                inSpace = false;
            }
        }
    }

    /// <summary>Trims a header value and collapses each run of whitespace (including folded lines) to one space.</summary>
    public static string CanonicalHeaderValue(string value)
    {
        var span = value.AsSpan().Trim();
        var needsWork = false;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] is '\r' or '\n' or '\t' || (span[i] == ' ' && i + 1 < span.Length && span[i + 1] == ' '))
            {
                needsWork = true;
                break;
            }
        }

        if (!needsWork)
        {
            return span.Length == value.Length ? value : span.ToString();
        }

        var builder = new StringBuilder(span.Length);
        var inSpace = false;
        foreach (var c in span)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (!inSpace)
                {
                    builder.Append(' ');
                }

                inSpace = true;
            }
            else
            {
                builder.Append(c);
                inSpace = false;
            }
        }

        return builder.ToString();
    }

    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery, string canonicalHeaders, string signedHeaders, string payloadHash) =>
        string.Concat(method, "\n", canonicalUri, "\n", canonicalQuery, "\n", canonicalHeaders, "\n", signedHeaders, "\n", payloadHash);

    /// <summary><c>{date}/{region}/{service}/aws4_request</c>.</summary>
    public static string Scope(string date, string region, string service) => $"{date}/{region}/{service}/{Terminator}";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        string.Concat(Algorithm, "\n", amzDate, "\n", scope, "\n", HexSha256(canonicalRequest));

    /// <summary>The derived signing key: HMAC chain over date, region, service and "aws4_request".</summary>
    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        Span<byte> key = stackalloc byte[32];
        var secret = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(date), key);
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region), key);
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service), key);
        HMACSHA256.HashData(key, "aws4_request"u8, key);
        CryptographicOperations.ZeroMemory(secret);
        return key.ToArray();
    }

    /// <summary>Hex HMAC-SHA256 of the string to sign under the signing key.</summary>
    public static string Signature(ReadOnlySpan<byte> signingKey, string stringToSign)
    {
        Span<byte> mac = stackalloc byte[32];
        ComputeSignature(signingKey, stringToSign, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>The raw 32-byte signature, for constant-time comparison.</summary>
    public static void ComputeSignature(ReadOnlySpan<byte> signingKey, string stringToSign, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetMaxByteCount(stringToSign.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(stringToSign, rented);
            HMACSHA256.HashData(signingKey, rented.AsSpan(0, written), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string HexSha256(string text)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, rented);
            return HexSha256(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string HexSha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }

    public static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static bool TryParseDate(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>
    /// URI-encodes every byte except the unreserved characters <c>A-Z a-z 0-9 - . _ ~</c> (and '/' unless
    /// <paramref name="encodeSlash"/>), with upper-case hex, as SigV4 requires.
    /// </summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (!IsUnreserved(c) && (encodeSlash || c != '/'))
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (b < 0x80 && (IsUnreserved(c) || (!encodeSlash && c == '/')))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~';
}
