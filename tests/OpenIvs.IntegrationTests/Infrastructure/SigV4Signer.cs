using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>
/// A small, test-only AWS Signature Version 4 signer (the tests have no AWS SDK for .NET). It follows the
/// non-S3 rules: the path is normalized and every segment URI-encoded once more (an already percent-encoded
/// path such as <c>/tags/arn%3Aaws...</c> is signed as <c>/tags/arn%253Aaws...</c>), query parameters are
/// decoded, re-encoded and sorted, header values are trimmed with inner whitespace collapsed. It is checked
/// against the vendored SigV4 test suite in <c>SigV4SignerTests</c>.
/// </summary>
public static partial class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The pieces of one signature, kept for tests of the signer itself.</summary>
    public sealed record Signature(string CanonicalRequest, string StringToSign, string SignedHeaders, string Authorization);

    /// <param name="method">The HTTP method.</param>
    /// <param name="pathAndQuery">The request target exactly as it is sent (path, optionally <c>?query</c>).</param>
    /// <param name="headers">The headers to sign (they must also be sent, with these values); must include host and x-amz-date.</param>
    /// <param name="body">The request body.</param>
    public static Signature Sign(
        string method, string pathAndQuery, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body,
        string accessKeyId, string secretAccessKey, string region, string service)
    {
        var amzDate = headers.FirstOrDefault(h => h.Key.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)).Value
            ?? throw new ArgumentException("The headers must include X-Amz-Date.", nameof(headers));
        var date = amzDate[..8];

        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        var query = queryStart < 0 ? string.Empty : pathAndQuery[(queryStart + 1)..];

        var canonicalHeaders = headers
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => CanonicalHeaderValue(h.Value)))))
            .ToList();
        var signedHeaders = string.Join(';', canonicalHeaders.Select(h => h.Name));

        var canonicalRequest = new StringBuilder()
            .Append(method).Append('\n')
            .Append(CanonicalPath(path)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            canonicalRequest.Append(name).Append(':').Append(value).Append('\n');
        }

        canonicalRequest.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));
        var creq = canonicalRequest.ToString();

        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(creq)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        var authorization = $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new Signature(creq, stringToSign, signedHeaders, authorization);
    }

    /// <summary>The <c>X-Amz-Date</c> form of a time: <c>yyyyMMddTHHmmssZ</c>.</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Normalizes the path (dot segments, repeated slashes) and URI-encodes it, keeping '/'.</summary>
    public static string CanonicalPath(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
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

            segments.Add(Encode(segment));
        }

        var normalized = "/" + string.Join('/', segments);
        var trailingSlash = path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal);
        return trailingSlash && normalized.Length > 1 ? normalized + "/" : normalized;
    }

    public static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('&', query
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var equals = p.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? p : p[..equals];
                var value = equals < 0 ? string.Empty : p[(equals + 1)..];
                return (Name: Encode(Uri.UnescapeDataString(name)), Value: Encode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper-case) of its UTF-8 bytes.</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string CanonicalHeaderValue(string value) => Whitespace().Replace(value.Trim(), " ");

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
