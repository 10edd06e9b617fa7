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
        var amzDate = SigV4.FormatDate(now);
        var sdkRequest = $"attempt={attempt}; max={maxAttempts}";
        var headers = new List<KeyValuePair<string, string>>(10)
        {
            new("amz-sdk-invocation-id", invocationId),
            new("amz-sdk-request", sdkRequest),
        };
        if (request.Body is { } body)
        {
            headers.Add(new("content-length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            headers.Add(new("content-type", JsonContentType));
        }

        headers.Add(new("host", _host));
        headers.Add(new("x-amz-content-sha256", payloadHash));
        headers.Add(new("x-amz-date", amzDate));
        if (credentials.SessionToken is { } token)
        {
            headers.Add(new("x-amz-security-token", token));
        }

        headers.Add(new("x-amz-user-agent", SdkUserAgent));
        if (request.Headers is { } extra)
        {
            headers.AddRange(extra);
        }

        var signed = SigV4Signer.SignHeaders(request.Method, wirePath, query, headers, payloadHash, credentials, Region, service, now);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(query is null ? _origin + wirePath : _origin + wirePath + "?" + query, UriKind.Absolute));
        if (request.Body is { } content)
        {
            message.Content = new ByteArrayContent(content);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        }

        var messageHeaders = message.Headers;
        messageHeaders.Host = _host;
        messageHeaders.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
        messageHeaders.TryAddWithoutValidation("amz-sdk-request", sdkRequest);
        messageHeaders.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        messageHeaders.TryAddWithoutValidation("x-amz-date", amzDate);
        if (credentials.SessionToken is { } sessionToken)
        {
            messageHeaders.TryAddWithoutValidation("x-amz-security-token", sessionToken);
        }

        messageHeaders.TryAddWithoutValidation("x-amz-user-agent", SdkUserAgent);
        messageHeaders.TryAddWithoutValidation("User-Agent", FullUserAgent);
        if (request.Headers is { } extraHeaders)
        {
            foreach (var (name, value) in extraHeaders)
            {
                messageHeaders.TryAddWithoutValidation(name, value);
            }
        }

        messageHeaders.TryAddWithoutValidation("Authorization", signed.Authorization);
        return message;
    }

    private static string OsName() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : "other";
}
