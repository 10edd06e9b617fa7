using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Api;

/// <summary>
/// Decides whether the caller of a request may perform an operation on the resources it names. Called
/// by every generated invoker after the input is bound and validated, before the service runs.
/// </summary>
public interface IRequestAuthorizer
{
    ValueTask AuthorizeAsync(IvsApiRequest request, OperationInfo operation, object input, CancellationToken cancellationToken);

    /// <summary>A single check, for operations that authorize item by item (Batch*).</summary>
    bool IsAllowed(object principal, string action, string resourceArn);
}
