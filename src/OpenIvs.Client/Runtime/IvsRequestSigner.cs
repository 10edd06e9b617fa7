using System.Net.Http.Headers;
using System.Reflection;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Runtime;

/// <summary>
/// Turns an <see cref="IvsHttpRequest"/> into the <see cref="HttpRequestMessage"/> of one attempt, signed with
/// SigV4 through the shared <see cref="SigV4Signer"/>. The signed headers are those the AWS SDK for
/// JavaScript v3 signs: <c>amz-sdk-invocation-id</c>, <c>amz-sdk-request</c>, <c>content-length</c> and
/// <c>content-type</c> (with a body), <c>host</c>, <c>x-amz-content-sha256</c>, <c>x-amz-date</c>,
/// <c>x-amz-security-token</c> (temporary credentials) and <c>x-amz-user-agent</c>.
/// </summary>
internal sealed class IvsRequestSigner(Uri endpoint, string region, string service = "ivs")
{
    public const string JsonContentType = "application/json";

    public static readonly string Version =
        typeof(IvsRequestSigner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static readonly string SdkUserAgent = $"openivs-dotnet/{Version}";

    private static readonly string FullUserAgent =
        $"{SdkUserAgent} ua/2.1 os/{OsName()} lang/dotnet#{Environment.Version.ToString(2)} api/ivs#{Version}";

    private readonly string _host = endpoint.Authority;
    private readonly string _origin = endpoint.GetLeftPart(UriPartial.Authority);
    private readonly string _basePath = endpoint.AbsolutePath.TrimEnd('/');

    public string Region { get; } = region;

    /// <summary>Per-call state: the hex SHA-256 of the body, computed once for every attempt.</summary>
    public static string PayloadHash(IvsHttpRequest request) =>
        request.Body is { } body ? SigV4.HexSha256(body) : SigV4.EmptyPayloadHash;

    public HttpRequestMessage Create(
        IvsHttpRequest request, string payloadHash, SigV4Credentials credentials, DateTimeOffset now, string invocationId, int attempt, int maxAttempts)
    {
        var wirePath = _basePath + request.Path;
        var query = request.Query;
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(query is null ? _origin + wirePath : _origin + wirePath + "?" + query, UriKind.Absolute));
        if (request.Body is { } content)
        {
            message.Content = new ByteArrayContent(content);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        }

        var headers = message.Headers;
        headers.Host = _host;
        headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
        headers.TryAddWithoutValidation("amz-sdk-request", $"attempt={attempt}; max={maxAttempts}");
        headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        headers.TryAddWithoutValidation("x-amz-user-agent", SdkUserAgent);
        headers.TryAddWithoutValidation("User-Agent", FullUserAgent);
        if (request.Headers is { } extra)
        {
            foreach (var (name, value) in extra)
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }

        Sign(message, payloadHash, credentials, Region, service, now);
        return message;
    }

    /// <summary>
    /// Signs <paramref name="message"/> as it will be sent: sets <c>x-amz-date</c> and (temporary credentials)
    /// <c>x-amz-security-token</c>, then signs every header on the message except
    /// those the AWS SDKs never sign (<c>user-agent</c>, <c>authorization</c>, hop-by-hop headers), over the wire
    /// path and query of its URI, and sets <c>Authorization</c>.
    /// </summary>
    public static SigV4Result Sign(
        HttpRequestMessage message, string payloadHash, SigV4Credentials credentials, string region, string service, DateTimeOffset now)
    {
        var headers = message.Headers;
        headers.Remove("Authorization");
        headers.Remove("x-amz-date");
        headers.TryAddWithoutValidation("x-amz-date", SigV4.FormatDate(now));
        if (credentials.SessionToken is { } token)
        {
            headers.Remove("x-amz-security-token");
            headers.TryAddWithoutValidation("x-amz-security-token", token);
        }

        var uri = message.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var signable = new List<KeyValuePair<string, string>>(12);
        if (headers.Host is null)
        {
            signable.Add(new("host", uri.Authority));
        }

        AddSignable(signable, headers.NonValidated);
        if (message.Content is { } content)
        {
            _ = content.Headers.ContentLength; // computes Content-Length for buffered content
            AddSignable(signable, content.Headers.NonValidated);
        }

        var query = uri.Query;
        var signed = SigV4Signer.SignHeaders(
            message.Method.Method, uri.AbsolutePath, query.Length > 1 ? query[1..] : null, signable, payloadHash, credentials, region, service, now);
        headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        return signed;
    }

    private static void AddSignable(List<KeyValuePair<string, string>> signable, HttpHeadersNonValidated headers)
    {
        foreach (var (name, values) in headers)
        {
            if (IsUnsignable(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                signable.Add(new(name, value));
            }
        }
    }

    // The headers the AWS SDKs never sign (proxies and clients may change them).
    private static bool IsUnsignable(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Pragma", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Max-Forwards", StringComparison.OrdinalIgnoreCase)
        || name.Equals("From", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Referer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Amzn-Trace-Id", StringComparison.OrdinalIgnoreCase);

    private static string OsName() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : "other";
}
