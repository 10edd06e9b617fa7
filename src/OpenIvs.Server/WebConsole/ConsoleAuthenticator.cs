using OpenIvs.Server.Api;

using OpenIvs.Server.Auth;

namespace OpenIvs.Server.WebConsole;

/// <summary>
/// Lets console calls through the IVS API with the session cookie instead of a signature: a request with
/// no Authorization header, the console cookie and the CSRF header is the session's caller; anything else
/// goes to SigV4 as before. The caller is the same IAM principal, so the same policies authorize it.
/// </summary>
public sealed class ConsoleAuthenticator(IRequestAuthenticator sigV4, ConsoleSessions sessions) : IRequestAuthenticator
{
    public ValueTask<object?> AuthenticateAsync(HttpContext httpContext, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var headers = httpContext.Request.Headers;
        if (headers.Authorization.Count == 0 && headers.ContainsKey(ConsoleSessions.CsrfHeader)
            && httpContext.Request.Cookies.TryGetValue(ConsoleSessions.CookieName, out var id))
        {
            return ValueTask.FromResult<object?>(sessions.Authenticate(id, headers[ConsoleSessions.CsrfHeader]));
        }

        return sigV4.AuthenticateAsync(httpContext, body, cancellationToken);
    }
}
