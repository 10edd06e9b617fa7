using System.Text.RegularExpressions;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>Assertions on IVS formats: ARNs, ids, stream key values.</summary>
public static class IvsAssert
{
    /// <summary>Asserts an ARN of <paramref name="type"/> in the test account and region with a 12-alphanumeric id; returns the id.</summary>
    public static string Arn(string? arn, string type)
    {
        var match = Regex.Match(arn ?? string.Empty, $"^arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:{Regex.Escape(type)}/([a-zA-Z0-9]{{12}})$");
        Assert.True(match.Success, $"expected a {type} ARN, got '{arn}'");
        return match.Groups[1].Value;
    }

    /// <summary>A stream key: ARN, <c>sk_{region}_{keyId}_{30 alphanumerics}</c> value, and its channel.</summary>
    public static void StreamKey(JsonNode? key, string channelArn)
    {
        Assert.NotNull(key);
        var keyId = Arn((string?)key["arn"], "stream-key");
        Assert.Matches($"^sk_{TestCredentials.Region}_{keyId}_[a-zA-Z0-9]{{30}}$", (string?)key["value"]);
        Assert.Equal(channelArn, (string?)key["channelArn"]);
    }

    public static string Str(JsonNode? node, string member) => (string?)node?[member] ?? throw new Xunit.Sdk.XunitException($"missing {member} in {node?.ToJsonString()}");

    /// <summary>Asserts two JSON values are equal (deep, member order ignored).</summary>
    public static void JsonEqual(JsonNode? expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;
}
