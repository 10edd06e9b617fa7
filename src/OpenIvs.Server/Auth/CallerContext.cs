using OpenIvs.Server.Api;

namespace OpenIvs.Server.Auth;

/// <summary>
/// The caller of the API request being served, for checks the service makes per item (the Batch*
/// operations authorize each ARN separately and report refusals as per-item errors). Set by the API
/// endpoint after authentication; flows with the request's async context.
/// </summary>
public sealed class CallerContext(object? principal, IRequestAuthorizer authorizer)
{
    private static readonly AsyncLocal<CallerContext?> CurrentContext = new();

    public static CallerContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    public object? Principal { get; } = principal;

    /// <summary>True when there is no caller context (no API request) or the caller may act on the resource.</summary>
    public static bool Allows(string action, string resourceArn) =>
        Current is not { } context || context.Principal is null || context._authorizer.IsAllowed(context.Principal, action, resourceArn);

    private readonly IRequestAuthorizer _authorizer = authorizer;
}
