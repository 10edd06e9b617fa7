namespace OpenIvs.Client.Runtime;

/// <summary>What the endpoint rules decided: a URL, or an error message.</summary>
internal readonly record struct EndpointRuleResult(string? Url, string? Error)
{
    public static EndpointRuleResult Endpoint(string url) => new(url, null);

    public static EndpointRuleResult Failure(string error) => new(null, error);
}
