using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OpenIvs.Client;

/// <summary>Registers <see cref="IIvsClient"/> with Microsoft.Extensions.DependencyInjection.</summary>
/// <example>
/// <code>
/// builder.Services.AddIvsClient(builder.Configuration.GetSection("Ivs"));   // { "Region": "us-west-2", "Endpoint": "http://127.0.0.1:8080" }
/// </code>
/// </example>
public static class IvsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IvsClient"/> (also as <see cref="IIvsClient"/>) whose options are
    /// configured by <paramref name="configure"/>, validated at start, and whose <see cref="HttpClient"/>
    /// comes from <c>IHttpClientFactory</c> (named <see cref="IvsClient.HttpClientName"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The HTTP client builder, to add handlers or configure the primary handler.</returns>
    public static IHttpClientBuilder AddIvsClient(this IServiceCollection services, Action<IvsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<IvsClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>Registers the client configured entirely from the environment and the shared AWS files.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddIvsClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services);
    }

    /// <summary>Registers the client with its options bound from <paramref name="configuration"/> (see the overload with <c>configure</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddIvsClient(this IServiceCollection services, IConfiguration configuration) =>
        AddIvsClient(services, configuration, null);

    /// <summary>
    /// As <see cref="AddIvsClient(IServiceCollection, Action{IvsClientOptions})"/>, with the options bound from
    /// <paramref name="configuration"/> (keys named as <see cref="IvsClientOptions"/>' properties, e.g.
    /// <c>Region</c>, <c>Endpoint</c>, <c>Profile</c>, <c>Retry:MaxAttempts</c>, <c>AttemptTimeout</c>) and then
    /// <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <param name="configure">Sets more options after binding, or null.</param>
    /// <returns>The HTTP client builder.</returns>
    public static IHttpClientBuilder AddIvsClient(this IServiceCollection services, IConfiguration configuration, Action<IvsClientOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<IvsClientOptions>().Bind(configuration);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services)
    {
        services.AddOptions<IvsClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IvsClientOptions>, IvsClientOptionsValidator>());
        services.TryAddSingleton(provider => new IvsClient(
            provider.GetRequiredService<IOptions<IvsClientOptions>>().Value,
            provider.GetRequiredService<IHttpClientFactory>(),
            provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IIvsClient>(provider => provider.GetRequiredService<IvsClient>());
        return services.AddHttpClient(IvsClient.HttpClientName, client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan);
    }

    private sealed class IvsClientOptionsValidator : IValidateOptions<IvsClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, IvsClientOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
