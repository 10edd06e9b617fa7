namespace OpenIvs.Server.Auth;

/// <summary>
/// Establishes who sent an API request (SigV4). Runs before routing into an operation; throws an
/// <see cref="OpenIvs.Protocol.Errors.IvsException"/> to refuse the request.
/// </summary>
public interface IRequestAuthenticator
{
    /// <returns>The caller, attached to the request for authorization and logging.</returns>
    ValueTask<object?> AuthenticateAsync(HttpContext httpContext, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
}
