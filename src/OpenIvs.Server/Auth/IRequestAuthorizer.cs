using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Auth;

/// <summary>
/// Decides whether the caller of a request may perform an operation on the resources it names. Called
/// by every generated invoker after the input is bound and validated, before the service runs.
/// </summary>
public interface IRequestAuthorizer
{
    /// <summary>Throws <see cref="OpenIvs.Protocol.Model.AccessDeniedException"/> when the caller may not run the operation.</summary>
    ValueTask AuthorizeAsync(object? principal, string requestId, OperationInfo operation, object input, CancellationToken cancellationToken);

    /// <summary>A single check, for operations that authorize item by item (Batch*).</summary>
    bool IsAllowed(object? principal, string action, string resourceArn);
}
