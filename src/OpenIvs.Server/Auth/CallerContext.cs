namespace OpenIvs.Server.Auth;

/// <summary>
/// The caller of the API request being served, for checks the service makes per item (the Batch*
/// operations authorize each ARN separately and report refusals as per-item errors). The API endpoint
/// makes one per request after authentication and passes it to the service explicitly. The default value
/// (<see cref="None"/>) is no caller, and every check is refused.
/// </summary>
public readonly struct CallerContext
{
    private readonly IRequestAuthorizer? _authorizer;

    public CallerContext(object? principal, IRequestAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        Principal = principal;
        _authorizer = authorizer;
    }

    /// <summary>No caller: every per-item check is refused (secure by default for calls outside a request).</summary>
    public static CallerContext None => default;

    public object? Principal { get; }

    /// <summary>True when the caller may act on the resource, as the request's authorizer decides; false without a caller.</summary>
    public bool Allows(string action, string resourceArn) =>
        _authorizer is not null && _authorizer.IsAllowed(Principal, action, resourceArn);
}
