using Microsoft.AspNetCore.Http.Features;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;

namespace OpenIvs.Server.Auth;

/// <summary>
/// Verifies the SigV4 signature of every API request (header or presigned form) against the root key
/// and users' keys, with the credential scope this server's region and the service <c>ivs</c>.
/// </summary>
public sealed partial class SigV4Authenticator(IamDirectory directory, Resources.ServiceAccount account, TimeProvider time, Telemetry.ApiTelemetry telemetry, ILogger<SigV4Authenticator> logger)
    : IRequestAuthenticator
{
    public const string Service = "ivs";

    private readonly SigV4Verifier _verifier = new(account.Region, Service, time);

    public ValueTask<object?> AuthenticateAsync(HttpContext httpContext, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var verification = _verifier.Verify(ToSigV4Request(httpContext, body), directory);
        if (!verification.Succeeded)
        {
            telemetry.SigV4Failed(verification.Failure);
            LogRefused(logger, httpContext.Response.Headers["x-amzn-RequestId"].ToString(), verification.Failure, verification.AccessKeyId ?? "-");
            throw AuthErrors.From(verification);
        }

        return ValueTask.FromResult(verification.Principal);
    }

    /// <summary>The request exactly as sent: wire path and query, every header value.</summary>
    internal static SigV4Request ToSigV4Request(HttpContext httpContext, ReadOnlyMemory<byte> body)
    {
        var request = httpContext.Request;
        var rawTarget = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString);
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count + 2);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value ?? string.Empty));
            }
        }

        return new SigV4Request(
            request.Method,
            question < 0 ? rawTarget : rawTarget[..question],
            question < 0 ? null : rawTarget[(question + 1)..],
            headers,
            body);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "{RequestId} refused: {Failure} (access key {AccessKeyId})")]
    private static partial void LogRefused(ILogger logger, string requestId, SigV4Failure failure, string accessKeyId);
}
