using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Auth.Policies;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Auth;

/// <summary>
/// Authorizes each API call with the caller's IAM policies (the root key may do everything), with the
/// condition keys IVS supports: <c>aws:ResourceTag/${TagKey}</c>, <c>aws:RequestTag/${TagKey}</c> and
/// <c>aws:TagKeys</c>, plus <c>aws:PrincipalArn</c> and <c>aws:username</c>.
/// </summary>
public sealed partial class PolicyAuthorizer(ResourceCatalog resources, ILogger<PolicyAuthorizer> logger) : IRequestAuthorizer
{
    public ValueTask AuthorizeAsync(object? principal, string requestId, OperationInfo operation, object input, CancellationToken cancellationToken)
    {
        if (principal is not IamPrincipal caller)
        {
            // Only an authenticated IAM principal may call: an anonymous request never gets this far.
            throw new AccessDeniedException($"An authenticated caller is required to perform: {operation.Action}");
        }

        if (caller.IsRoot)
        {
            return ValueTask.CompletedTask;
        }

        var access = OperationResources.Describe(operation, input);
        foreach (var resource in access.Resources)
        {
            if (!IsAllowed(caller, operation.Action, resource, access))
            {
                LogDenied(logger, requestId, caller.Arn, operation.Action, resource);
                throw new AccessDeniedException($"User: {caller.Arn} is not authorized to perform: {operation.Action} on resource: {resource}");
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A per-item check (Batch* operations): no request tags, the item's resource tags.</summary>
    public bool IsAllowed(object? principal, string action, string resourceArn) =>
        principal is IamPrincipal caller
        && (caller.IsRoot || IsAllowed(caller, action, resourceArn, new OperationAccess([resourceArn], null, null)));

    private bool IsAllowed(IamPrincipal principal, string action, string resource, OperationAccess access)
    {
        var context = new RequestConditions(principal, resource, access, resources);
        return PolicyEvaluator.Evaluate(principal.Policies, action, resource, context) == PolicyDecision.Allow;
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "{RequestId} denied: {Principal} {Action} on {Resource}")]
    private static partial void LogDenied(ILogger logger, string requestId, string principal, string action, string resource);

    private sealed class RequestConditions(IamPrincipal principal, string resource, OperationAccess access, ResourceCatalog catalog) : IConditionContext
    {
        private IReadOnlyDictionary<string, string>? _resourceTags;
        private bool _resourceTagsLoaded;

        public IReadOnlyList<string>? Values(string key)
        {
            if (key.StartsWith("aws:ResourceTag/", StringComparison.OrdinalIgnoreCase))
            {
                if (!_resourceTagsLoaded)
                {
                    _resourceTags = resource == OperationResources.AnyResource ? null : catalog.TagsOf(resource);
                    _resourceTagsLoaded = true;
                }

                return Lookup(_resourceTags, key["aws:ResourceTag/".Length..]);
            }

            if (key.StartsWith("aws:RequestTag/", StringComparison.OrdinalIgnoreCase))
            {
                return Lookup(access.RequestTags, key["aws:RequestTag/".Length..]);
            }

            if (key.Equals("aws:TagKeys", StringComparison.OrdinalIgnoreCase))
            {
                return access.TagKeys;
            }

            if (key.Equals("aws:PrincipalArn", StringComparison.OrdinalIgnoreCase))
            {
                return [principal.Arn];
            }

            if (key.Equals("aws:username", StringComparison.OrdinalIgnoreCase))
            {
                return principal.UserName is null ? null : [principal.UserName];
            }

            return null;
        }

        private static string[]? Lookup(IReadOnlyDictionary<string, string>? tags, string tagKey)
        {
            if (tags is null)
            {
                return null;
            }

            foreach (var (key, value) in tags)
            {
                if (string.Equals(key, tagKey, StringComparison.OrdinalIgnoreCase))
                {
                    return [value];
                }
            }

            return null;
        }
    }
}
