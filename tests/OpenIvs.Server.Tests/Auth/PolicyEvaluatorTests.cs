using OpenIvs.Server.Auth.Policies;

namespace OpenIvs.Server.Tests.Auth;

/// <summary>Table tests of IAM policy evaluation: wildcards, Deny over Allow, NotAction/NotResource, conditions.</summary>
public class PolicyEvaluatorTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";
    private const string Key = "arn:aws:ivs:us-west-2:000000000000:stream-key/abcdABCDefgh";

    public static TheoryData<string, string, string, PolicyDecision> Cases() => new()
    {
        // Action wildcards (case-insensitive) and resource wildcards (case-sensitive).
        { """{"Effect":"Allow","Action":"ivs:Get*","Resource":"*"}""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        { """{"Effect":"Allow","Action":"IVS:get*","Resource":"*"}""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        { """{"Effect":"Allow","Action":"ivs:Get*","Resource":"*"}""", "ivs:ListChannels", "*", PolicyDecision.ImplicitDeny },
        { """{"Effect":"Allow","Action":"ivs:?etChannel","Resource":"*"}""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        { """{"Effect":"Allow","Action":"*","Resource":"arn:aws:ivs:*:*:channel/*"}""", "ivs:DeleteChannel", Channel, PolicyDecision.Allow },
        { """{"Effect":"Allow","Action":"*","Resource":"arn:aws:ivs:*:*:channel/*"}""", "ivs:DeleteStreamKey", Key, PolicyDecision.ImplicitDeny },
        { """{"Effect":"Allow","Action":"*","Resource":"arn:aws:ivs:*:*:CHANNEL/*"}""", "ivs:GetChannel", Channel, PolicyDecision.ImplicitDeny },
        { """{"Effect":"Allow","Action":"*","Resource":"arn:aws:ivs:*:*:channel/*"}""", "ivs:ListChannels", "*", PolicyDecision.ImplicitDeny },
        // Deny wins over Allow, in any order.
        { """[{"Effect":"Allow","Action":"ivs:*","Resource":"*"},{"Effect":"Deny","Action":"ivs:Delete*","Resource":"*"}]""", "ivs:DeleteChannel", Channel, PolicyDecision.ExplicitDeny },
        { """[{"Effect":"Deny","Action":"ivs:Delete*","Resource":"*"},{"Effect":"Allow","Action":"ivs:*","Resource":"*"}]""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        // NotAction and NotResource.
        { """{"Effect":"Allow","NotAction":"ivs:Delete*","Resource":"*"}""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        { """{"Effect":"Allow","NotAction":"ivs:Delete*","Resource":"*"}""", "ivs:DeleteChannel", Channel, PolicyDecision.ImplicitDeny },
        { """{"Effect":"Deny","NotAction":["ivs:Get*","ivs:List*"],"Resource":"*"}""", "ivs:CreateChannel", "*", PolicyDecision.ExplicitDeny },
        { """{"Effect":"Allow","Action":"ivs:*","NotResource":"arn:aws:ivs:*:*:stream-key/*"}""", "ivs:GetStreamKey", Key, PolicyDecision.ImplicitDeny },
        { """{"Effect":"Allow","Action":"ivs:*","NotResource":"arn:aws:ivs:*:*:stream-key/*"}""", "ivs:GetChannel", Channel, PolicyDecision.Allow },
        // Nothing matches: implicit deny.
        { """{"Effect":"Allow","Action":"s3:*","Resource":"*"}""", "ivs:GetChannel", Channel, PolicyDecision.ImplicitDeny },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates(string statements, string action, string resource, PolicyDecision expected)
    {
        var policy = PolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":{{statements}}}""");

        Assert.Equal(expected, PolicyEvaluator.Evaluate([policy], action, resource, new Conditions()));
    }

    public static TheoryData<string, Dictionary<string, string[]>, bool> ConditionCases() => new()
    {
        { """{"StringEquals":{"aws:ResourceTag/env":"prod"}}""", new() { ["aws:ResourceTag/env"] = ["prod"] }, true },
        { """{"StringEquals":{"aws:ResourceTag/env":"prod"}}""", new() { ["aws:ResourceTag/env"] = ["dev"] }, false },
        { """{"StringEquals":{"aws:ResourceTag/env":"prod"}}""", new(), false },
        { """{"StringEquals":{"aws:ResourceTag/env":["dev","prod"]}}""", new() { ["aws:ResourceTag/env"] = ["prod"] }, true },
        { """{"StringNotEquals":{"aws:ResourceTag/env":"prod"}}""", new() { ["aws:ResourceTag/env"] = ["dev"] }, true },
        { """{"StringNotEquals":{"aws:ResourceTag/env":"prod"}}""", new(), true },
        { """{"StringLike":{"aws:RequestTag/team":"video-*"}}""", new() { ["aws:RequestTag/team"] = ["video-live"] }, true },
        { """{"StringLike":{"aws:RequestTag/team":"video-*"}}""", new() { ["aws:RequestTag/team"] = ["audio"] }, false },
        { """{"StringNotLike":{"aws:RequestTag/team":"video-*"}}""", new() { ["aws:RequestTag/team"] = ["audio"] }, true },
        { """{"StringEqualsIgnoreCase":{"aws:ResourceTag/env":"PROD"}}""", new() { ["aws:ResourceTag/env"] = ["prod"] }, true },
        { """{"StringEqualsIfExists":{"aws:ResourceTag/env":"prod"}}""", new(), true },
        { """{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}""", new() { ["aws:TagKeys"] = ["env"] }, true },
        { """{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}""", new() { ["aws:TagKeys"] = ["env", "cost"] }, false },
        { """{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}""", new(), true },
        { """{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}""", new() { ["aws:TagKeys"] = ["cost", "env"] }, true },
        { """{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}""", new(), false },
        { """{"Null":{"aws:RequestTag/env":"true"}}""", new(), true },
        { """{"Null":{"aws:RequestTag/env":"false"}}""", new() { ["aws:RequestTag/env"] = ["x"] }, true },
        // Two keys under one operator, and two operators: all must hold.
        { """{"StringEquals":{"aws:ResourceTag/env":"prod","aws:RequestTag/team":"video"}}""", new() { ["aws:ResourceTag/env"] = ["prod"] }, false },
        { """{"StringEquals":{"aws:ResourceTag/env":"prod"},"StringLike":{"aws:RequestTag/team":"v*"}}""", new() { ["aws:ResourceTag/env"] = ["prod"], ["aws:RequestTag/team"] = ["video"] }, true },
    };

    [Theory]
    [MemberData(nameof(ConditionCases))]
    public void EvaluatesConditions(string condition, Dictionary<string, string[]> context, bool allowed)
    {
        var policy = PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ivs:*","Resource":"*","Condition":""" + condition + "}}");

        var decision = PolicyEvaluator.Evaluate([policy], "ivs:TagResource", Channel, new Conditions(context));

        Assert.Equal(allowed ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny, decision);
    }

    [Theory]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}}""", "Principal")]
    [InlineData("""{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}""", "Effect")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}""", "Action")]
    [InlineData("""{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}}""", "DateGreaterThan")]
    [InlineData("""{"Version":"2099-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""", "Version")]
    [InlineData("""{"Statement":[]}""", "empty")]
    [InlineData("""not json""", "JSON")]
    public void UnsupportedOrInvalidPoliciesAreRefusedWhenStored(string document, string mentioned)
    {
        var error = Assert.Throws<PolicyException>(() => PolicyDocument.Parse(document));

        Assert.Contains(mentioned, error.Message);
    }

    private sealed class Conditions(Dictionary<string, string[]>? values = null) : IConditionContext
    {
        public IReadOnlyList<string>? Values(string key) => values is not null && values.TryGetValue(key, out var found) ? found : null;
    }
}
