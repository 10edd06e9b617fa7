using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth.Iam;

namespace OpenIvs.Server.WebConsole;

/// <summary>
/// Console sessions, in memory (a restart signs everyone out). The session id lives only in an HttpOnly,
/// SameSite=Strict cookie; each call must also carry the session's CSRF token in a header, which a page of
/// another site can neither read nor send with the cookie.
/// </summary>
public sealed class ConsoleSessions(IamDirectory directory, ConsoleOptions options, Resources.ServiceAccount account, TimeProvider time)
{
    public const string CookieName = "openivs-console";
    public const string CsrfHeader = "X-OpenIvs-Csrf";

    private readonly ConcurrentDictionary<string, ConsoleSession> _sessions = new(StringComparer.Ordinal);

    public ConsoleSession Create(string accessKeyId, IamPrincipal principal)
    {
        var now = time.GetUtcNow();
        foreach (var (id, old) in _sessions)
        {
            if (old.ExpiresAt <= now)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        var session = new ConsoleSession(NewId(), accessKeyId, principal.Arn, NewId(), now + options.SessionLifetime);
        _sessions[session.Id] = session;
        return session;
    }

    /// <summary>The live session with this cookie value, or null (unknown, signed out or expired).</summary>
    public ConsoleSession? Find(string? id)
    {
        if (id is null || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        if (session.ExpiresAt <= time.GetUtcNow())
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        return session;
    }

    public void Remove(string? id)
    {
        if (id is not null)
        {
            _sessions.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// The caller of a console call: the session's access key resolved now (its user's current policies).
    /// Throws as the API does when the session is gone, the CSRF token is wrong, or the key was deleted.
    /// </summary>
    public IamPrincipal Authenticate(string? id, string? csrfToken)
    {
        var session = Find(id)
            ?? throw new IvsException("The console session has expired or was signed out. Sign in again.", "ExpiredTokenException", 403, IvsErrorFault.Client);
        if (csrfToken is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(csrfToken), Encoding.UTF8.GetBytes(session.CsrfToken)))
        {
            throw new AccessDeniedException("The console request did not carry the session's CSRF token.");
        }

        var now = time.GetUtcNow();
        var key = ((OpenIvs.Protocol.Auth.ISigV4KeyResolver)directory).Resolve(session.AccessKeyId, now.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), account.Region, Auth.SigV4Authenticator.Service);
        if (key?.Principal is not IamPrincipal principal || (key.Expiration is { } expiration && expiration <= now))
        {
            Remove(id);
            throw new IvsException("The access key of this console session no longer exists. Sign in again.", "UnrecognizedClientException", 403, IvsErrorFault.Client);
        }

        return principal;
    }

    private static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
