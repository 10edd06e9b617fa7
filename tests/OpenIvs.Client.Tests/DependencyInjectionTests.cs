using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIvs.Client.Tests.Infrastructure;

namespace OpenIvs.Client.Tests;

/// <summary><c>services.AddIvsClient(...)</c>: options binding, validation at start, IHttpClientFactory, a working client.</summary>
public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task BoundFromConfigurationAndCallsTheServer()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ivs:Region"] = server.Region,
            ["Ivs:Endpoint"] = server.Endpoint.ToString(),
            ["Ivs:Credentials:AccessKeyId"] = server.Root.AccessKeyId,
            ["Ivs:Credentials:SecretAccessKey"] = server.Root.SecretAccessKey,
            ["Ivs:Retry:MaxAttempts"] = "5",
            ["Ivs:AttemptTimeout"] = "00:00:20",
        }).Build();
        var handlerCalls = 0;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddIvsClient(configuration.GetSection("Ivs"))
            .AddHttpMessageHandler(() => new CountingHandler(() => handlerCalls++));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var client = provider.GetRequiredService<IIvsClient>();
        Assert.Same(provider.GetRequiredService<IvsClient>(), client);
        var options = provider.GetRequiredService<IOptions<IvsClientOptions>>().Value;
        Assert.Equal(5, options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(20), options.AttemptTimeout);
        Assert.Equal(5, ((IvsClient)client).Configuration.MaxAttempts);

        var created = await client.CreateChannelAsync(new() { Name = "di" });

        Assert.NotNull(created.Channel!.Arn);
        Assert.Equal(1, handlerCalls);
    }

    [Fact]
    public async Task ConfiguredInCode()
    {
        var services = new ServiceCollection();
        services.AddIvsClient(o =>
        {
            o.Region = "eu-west-1";
            o.Credentials = TestClients.Credentials;
        });
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IvsClient>();

        Assert.Equal(new Uri("https://ivs.eu-west-1.amazonaws.com"), client.Configuration.Endpoint);
    }

    [Fact]
    public async Task InvalidOptionsFailValidation()
    {
        var services = new ServiceCollection();
        services.AddIvsClient(o =>
        {
            o.Region = "us-west-2";
            o.AttemptTimeout = TimeSpan.FromSeconds(-5);
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<IvsClientOptions>>().Value);
        Assert.Contains("AttemptTimeout", error.Message);
    }

    private sealed class CountingHandler(Action onSend) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
