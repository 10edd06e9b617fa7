namespace OpenIvs.Server.Auth;

/// <summary>
/// The caller of the API request being served, for checks the service makes per item (the Batch*
/// operations authorize each ARN separately and report refusals as per-item errors). The API endpoint
/// creates one per request after authentication and passes it to the service explicitly.
/// </summary>
public sealed class CallerContext
{
    private readonly IRequestAuthorizer? _authorizer;

    public CallerContext(object? principal, IRequestAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        Principal = principal;
        _authorizer = authorizer;
    }

    private CallerContext()
    {
    }

    /// <summary>No caller: every per-item check is refused (secure by default for calls outside a request).</summary>
    public static CallerContext None { get; } = new();

    public object? Principal { get; }

    /// <summary>True when the caller may act on the resource, as the request's authorizer decides.</summary>
    public bool Allows(string action, string resourceArn) =>
        _authorizer is not null && _authorizer.IsAllowed(Principal, action, resourceArn);
}
