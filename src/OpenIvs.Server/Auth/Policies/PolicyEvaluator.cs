namespace OpenIvs.Server.Auth.Policies;

/// <summary>
/// IAM evaluation of identity policies: an explicit Deny in any matching statement wins; otherwise an
/// Allow in any matching statement allows; otherwise the request is implicitly denied.
/// </summary>
public static class PolicyEvaluator
{
    public static PolicyDecision Evaluate(IEnumerable<PolicyDocument> policies, string action, string resource, IConditionContext context)
    {
        var allowed = false;
        foreach (var policy in policies)
        {
            foreach (var statement in policy.Statements)
            {
                if (!Applies(statement, action, resource, context))
                {
                    continue;
                }

                if (!statement.Allow)
                {
                    return PolicyDecision.ExplicitDeny;
                }

                allowed = true;
            }
        }

        return allowed ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny;
    }

    private static bool Applies(PolicyStatement statement, string action, string resource, IConditionContext context)
    {
        var actionMatches = statement.Actions is not null
            ? statement.Actions.Any(a => Wildcard.IsMatch(a, action, ignoreCase: true))
            : !statement.NotActions!.Any(a => Wildcard.IsMatch(a, action, ignoreCase: true));
        if (!actionMatches)
        {
            return false;
        }

        var resourceMatches = statement.Resources is not null
            ? statement.Resources.Any(r => Wildcard.IsMatch(r, resource, ignoreCase: false))
            : !statement.NotResources!.Any(r => Wildcard.IsMatch(r, resource, ignoreCase: false));
        return resourceMatches && statement.Conditions.All(c => c.IsSatisfied(context.Values(c.Key)));
    }
}

public enum PolicyDecision
{
    Allow,
    ImplicitDeny,
    ExplicitDeny,
}

/// <summary>The values of condition keys for one request and resource.</summary>
public interface IConditionContext
{
    /// <summary>Values of <paramref name="key"/> (e.g. <c>aws:ResourceTag/env</c>), or null when absent.</summary>
    IReadOnlyList<string>? Values(string key);
}
