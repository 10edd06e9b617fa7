using System.Globalization;

namespace OpenIvs.Client.Runtime;

/// <summary>
/// Resolves region, endpoint, FIPS/dual-stack and attempts from options, environment and shared files,
/// in the AWS SDKs' order (code, then environment, then profile, then defaults and endpoint rules).
/// </summary>
internal static class ConfigurationResolver
{
    /// <summary>The service id, as in <c>AWS_ENDPOINT_URL_IVS</c> and the services section's <c>ivs</c> key.</summary>
    public const string ServiceId = "ivs";

    public static IvsClientConfiguration Resolve(IvsClientOptions options, AwsEnvironment environment, AwsSharedConfig files)
    {
        var profile = options.Profile ?? environment.Variable("AWS_PROFILE") ?? "default";
        var (region, regionSource) = First(
            (options.Region, "options"),
            (environment.Variable("AWS_REGION"), "AWS_REGION"),
            (environment.Variable("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
            (files.Get(profile, "region"), $"profile {profile}"));

        var useFips = options.UseFips ?? Bool(environment.Variable("AWS_USE_FIPS_ENDPOINT"), "AWS_USE_FIPS_ENDPOINT")
            ?? Bool(files.Get(profile, "use_fips_endpoint"), "use_fips_endpoint") ?? false;
        var useDualStack = options.UseDualStack ?? Bool(environment.Variable("AWS_USE_DUALSTACK_ENDPOINT"), "AWS_USE_DUALSTACK_ENDPOINT")
            ?? Bool(files.Get(profile, "use_dualstack_endpoint"), "use_dualstack_endpoint") ?? false;

        var (endpoint, endpointSource) = ConfiguredEndpoint(options, environment, files, profile);
        var resolved = IvsEndpointRules.Resolve(region, useDualStack, useFips, endpoint);
        if (resolved.Error is { } error)
        {
            throw new IvsConfigurationException(
                region is null && endpoint is null
                    ? $"{error}: set IvsClientOptions.Region, AWS_REGION, AWS_DEFAULT_REGION or 'region' in profile '{profile}'."
                    : error);
        }

        if (region is null)
        {
            // A custom endpoint resolves without a region, but SigV4 still needs one to sign with.
            throw new IvsConfigurationException(
                $"Invalid Configuration: Missing Region: set IvsClientOptions.Region, AWS_REGION, AWS_DEFAULT_REGION or 'region' in profile '{profile}' (requests are signed for a region).");
        }

        if (!Uri.TryCreate(resolved.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new IvsConfigurationException($"The endpoint '{resolved.Url}' from {endpointSource ?? "the endpoint rules"} is not an absolute http or https URL.");
        }

        var maxAttempts = options.Retry.MaxAttempts
            ?? Int(environment.Variable("AWS_MAX_ATTEMPTS"), "AWS_MAX_ATTEMPTS")
            ?? Int(files.Get(profile, "max_attempts"), "max_attempts")
            ?? 3;
        if (maxAttempts < 1)
        {
            throw new IvsConfigurationException("max_attempts must be at least 1.");
        }

        return new IvsClientConfiguration(region, regionSource!, uri, endpointSource ?? "endpoint rules", profile, useFips, useDualStack, maxAttempts);
    }

    private static (string? Endpoint, string? Source) ConfiguredEndpoint(IvsClientOptions options, AwsEnvironment environment, AwsSharedConfig files, string profile)
    {
        if (options.Endpoint is { } explicitEndpoint)
        {
            return (explicitEndpoint.OriginalString, "options");
        }

        var ignore = Bool(environment.Variable("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            ?? Bool(files.Get(profile, "ignore_configured_endpoint_urls"), "ignore_configured_endpoint_urls")
            ?? false;
        if (ignore)
        {
            return (null, null);
        }

        var serviceVariable = "AWS_ENDPOINT_URL_" + ServiceId.ToUpperInvariant().Replace(' ', '_').Replace('-', '_');
        return First(
            (environment.Variable(serviceVariable), serviceVariable),
            (environment.Variable("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"),
            (files.GetServiceProperty(profile, ServiceId, "endpoint_url"), $"profile {profile} services {ServiceId}"),
            (files.Get(profile, "endpoint_url"), $"profile {profile}"));
    }

    private static (string? Value, string? Source) First(params (string? Value, string Source)[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (!string.IsNullOrWhiteSpace(candidate.Value))
            {
                return (candidate.Value.Trim(), candidate.Source);
            }
        }

        return (null, null);
    }

    private static bool? Bool(string? value, string name) =>
        value is null ? null
        : value.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
        : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
        : throw new IvsConfigurationException($"{name} must be true or false, not '{value}'.");

    private static int? Int(string? value, string name) =>
        value is null ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : throw new IvsConfigurationException($"{name} must be a whole number, not '{value}'.");
}
