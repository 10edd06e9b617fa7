namespace OpenIvs.Client.Runtime;

/// <summary>The model's endpoint rules, for callers that want an endpoint without a client.</summary>
public static class IvsEndpointResolver
{
    /// <summary>Resolves the endpoint the way the client does once its settings are known.</summary>
    /// <param name="region">The region, or null.</param>
    /// <param name="useFips">Ask for the FIPS endpoint.</param>
    /// <param name="useDualStack">Ask for the dual-stack endpoint.</param>
    /// <param name="endpoint">A custom endpoint, or null.</param>
    /// <returns>The endpoint URL.</returns>
    /// <exception cref="IvsConfigurationException">The rules refuse the combination (their message says why).</exception>
    public static Uri Resolve(string? region, bool useFips = false, bool useDualStack = false, string? endpoint = null)
    {
        var result = IvsEndpointRules.Resolve(region, useDualStack, useFips, endpoint);
        return result.Error is { } error ? throw new IvsConfigurationException(error) : new Uri(result.Url!, UriKind.Absolute);
    }
}
