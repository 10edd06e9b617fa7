using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// The canonical request: method, canonical URI, canonical query, canonical headers, signed headers and
    /// payload hash, one per line.
    /// </summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="wirePath">The path as sent (still percent-encoded), without the query.</param>
    /// <param name="rawQuery">The query as sent, with or without the leading '?', or null.</param>
    /// <param name="headers">The request's headers (name, value), repeated names allowed.</param>
    /// <param name="signedHeaders">Lower-case header names to sign, sorted, joined with ';'.</param>
    /// <param name="payloadHash">Hex SHA-256 of the body (or the value sent in <c>x-amz-content-sha256</c>).</param>
    /// <param name="excludeSignature">Leave <c>X-Amz-Signature</c> out of the query (presigned URLs).</param>
    public static string CanonicalRequest(
        string method, string wirePath, string? rawQuery, IReadOnlyList<KeyValuePair<string, string>> headers,
        string signedHeaders, string payloadHash, bool excludeSignature = false)
    {
        var builder = new Utf8Builder(1024);
        try
        {
            WriteCanonicalRequest(ref builder, method, wirePath, rawQuery, excludeSignature, headers, signedHeaders, payloadHash);
            return builder.ToString();
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>The canonical request as UTF-8, the bytes that are hashed: the one implementation behind <see cref="CanonicalRequest"/>.</summary>
    internal static void WriteCanonicalRequest(
        ref Utf8Builder output, string method, string wirePath, string? rawQuery, bool excludeSignature,
        IReadOnlyList<KeyValuePair<string, string>> headers, scoped ReadOnlySpan<char> signedHeaders, scoped ReadOnlySpan<char> payloadHash)
    {
        output.Append(method);
        output.Append('\n');
        WriteCanonicalUri(ref output, wirePath);
        output.Append('\n');
        if (!string.IsNullOrEmpty(rawQuery) && rawQuery != "?")
        {
            output.Append(CanonicalQuery(rawQuery, excludeSignature));
        }

        output.Append('\n');
        WriteCanonicalHeaders(ref output, headers, signedHeaders);
        output.Append('\n');
        output.Append(signedHeaders);
        output.Append('\n');
        output.Append(payloadHash);
    }

    /// <summary>The canonical URI of a wire path: normalized, then URI-encoded per segment (see the class remarks).</summary>
    private static void WriteCanonicalUri(ref Utf8Builder output, string wirePath)
    {
        if (string.IsNullOrEmpty(wirePath))
        {
            output.Append('/');
            return;
        }

        output.AppendUriEncoded(IsNormalized(wirePath) ? wirePath : NormalizePath(wirePath), encodeSlash: false);
    }

    /// <summary>True when <see cref="NormalizePath"/> would return the path unchanged: no empty, "." or ".." segments.</summary>
    private static bool IsNormalized(ReadOnlySpan<char> path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        var rest = path[1..];
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment is "." or "..")
            {
                return false;
            }

            if (slash < 0)
            {
                return true; // the last segment may be empty: a trailing slash is kept
            }

            if (segment.Length == 0)
            {
                return false;
            }

            rest = rest[(slash + 1)..];
        }
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
    /// headers joined with ',' in the order received, in the order of <paramref name="signedHeaders"/>
    /// (sorted); each line ends with '\n'.
    /// </summary>
    private static void WriteCanonicalHeaders(ref Utf8Builder output, IReadOnlyList<KeyValuePair<string, string>> headerList, scoped ReadOnlySpan<char> signedHeaders)
    {
        // Scanned once per signed header: a span avoids an interface call per element.
        ReadOnlySpan<KeyValuePair<string, string>> headers = headerList switch
        {
            List<KeyValuePair<string, string>> list => CollectionsMarshal.AsSpan(list),
            KeyValuePair<string, string>[] array => array,
            _ => headerList.ToArray(),
        };
        foreach (var range in signedHeaders.Split(';'))
        {
            var name = signedHeaders[range];
            output.Append(name);
            output.Append(':');
            var first = true;
            for (var i = 0; i < headers.Length; i++)
            {
                var key = headers[i].Key;
                if (key.Length != name.Length || !name.Equals(key, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!first)
                {
                    output.Append(',');
                }

                WriteCanonicalHeaderValue(ref output, headers[i].Value);
                first = false;
            }

            output.Append('\n');
        }
    }

    /// <summary>A header value trimmed, each run of whitespace (including folded lines) collapsed to one space.</summary>
    private static void WriteCanonicalHeaderValue(ref Utf8Builder output, scoped ReadOnlySpan<char> value)
    {
        var rest = value.Trim();
        while (true)
        {
            var space = rest.IndexOfAny(Whitespace);
            if (space < 0)
            {
                output.Append(rest);
                return;
            }

            output.Append(rest[..space]);
            output.Append(' ');
            rest = rest[space..].TrimStart(WhitespaceChars);
        }
    }

    private const string WhitespaceChars = " \t\r\n";
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(WhitespaceChars);

    /// <summary><c>{date}/{region}/{service}/aws4_request</c>.</summary>
    public static string Scope(string date, string region, string service) => $"{date}/{region}/{service}/{Terminator}";

    /// <summary>
    /// <c>AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{hex SHA-256 of the canonical request}</c>, the scope's date
    /// being the first eight characters of <paramref name="amzDate"/>.
    /// </summary>
    public static string StringToSign(string amzDate, string region, string service, string canonicalRequest)
    {
        Span<byte> hash = stackalloc byte[32];
        HashUtf8(canonicalRequest, hash);
        var builder = new Utf8Builder(256);
        try
        {
            WriteStringToSign(ref builder, amzDate, region, service, hash);
            return builder.ToString();
        }
        finally
        {
            builder.Dispose();
        }
    }

    internal static void WriteStringToSign(ref Utf8Builder output, scoped ReadOnlySpan<char> amzDate, string region, string service, scoped ReadOnlySpan<byte> canonicalRequestHash)
    {
        output.Append(Algorithm);
        output.Append('\n');
        output.Append(amzDate);
        output.Append('\n');
        output.Append(amzDate[..8]);
        output.Append('/');
        output.Append(region);
        output.Append('/');
        output.Append(service);
        output.Append('/');
        output.Append(Terminator);
        output.Append('\n');
        output.AppendHexLower(canonicalRequestHash);
    }

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
    internal static string Signature(Sha256.HmacKey signingKey, string stringToSign)
    {
        Span<byte> mac = stackalloc byte[Sha256.HashSize];
        var builder = new Utf8Builder(stringToSign.Length + 16);
        try
        {
            builder.Append(stringToSign);
            signingKey.Compute(builder.Written, mac);
        }
        finally
        {
            builder.Dispose();
        }

        return Convert.ToHexStringLower(mac);
    }

    public static string HexSha256(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        HashUtf8(text, hash);
        return Convert.ToHexStringLower(hash);
    }

    public static string HexSha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        Sha256.Hash(data, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void HashUtf8(string text, Span<byte> hash)
    {
        var builder = new Utf8Builder(text.Length + 16);
        try
        {
            builder.Append(text);
            Sha256.Hash(builder.Written, hash);
        }
        finally
        {
            builder.Dispose();
        }
    }

    public static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses <c>yyyyMMdd'T'HHmmss'Z'</c> (UTC), as <see cref="DateFormat"/>, by hand: it is read on every request.</summary>
    public static bool TryParseDate(string? text, out DateTimeOffset time)
    {
        time = default;
        if (text is not { Length: 16 } || text[8] != 'T' || text[15] != 'Z'
            || !TryParseDigits(text.AsSpan(0, 4), out var year) || !TryParseDigits(text.AsSpan(4, 2), out var month)
            || !TryParseDigits(text.AsSpan(6, 2), out var day) || !TryParseDigits(text.AsSpan(9, 2), out var hour)
            || !TryParseDigits(text.AsSpan(11, 2), out var minute) || !TryParseDigits(text.AsSpan(13, 2), out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TryParseDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }

    /// <summary>
    /// URI-encodes every byte except the unreserved characters <c>A-Z a-z 0-9 - . _ ~</c> (and '/' unless
    /// <paramref name="encodeSlash"/>), with upper-case hex, as SigV4 requires.
    /// </summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (!Utf8Builder.IsUnreserved(c) && (encodeSlash || c != '/'))
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return value;
        }

        var builder = new Utf8Builder(value.Length * 3);
        try
        {
            builder.AppendUriEncoded(value, encodeSlash);
            return builder.ToString();
        }
        finally
        {
            builder.Dispose();
        }
    }
}
