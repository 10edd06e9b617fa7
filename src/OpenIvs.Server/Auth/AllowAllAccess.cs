using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Auth;

/// <summary>No authentication and no authorization: every request is let through anonymously.</summary>
public sealed class AllowAllAccess : IRequestAuthenticator, IRequestAuthorizer
{
    public ValueTask<object?> AuthenticateAsync(HttpContext httpContext, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object?>(null);

    public ValueTask AuthorizeAsync(object? principal, string requestId, OperationInfo operation, object input, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public bool IsAllowed(object? principal, string action, string resourceArn) => true;
}
