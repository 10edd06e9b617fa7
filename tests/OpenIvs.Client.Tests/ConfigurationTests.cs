using OpenIvs.Client.Credentials;
using OpenIvs.Client.Runtime;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Tests;

/// <summary>
/// Region, endpoint and credentials: each source on its own and the precedence between them (code, then
/// environment, then the shared files' profile, then defaults and the endpoint rules), over a private
/// environment and home directory.
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    private IvsClientConfiguration Resolve(IvsClientOptions? options = null) =>
        ConfigurationResolver.Resolve(options ?? new IvsClientOptions(), _env.Environment, AwsSharedConfig.Load(_env.Environment));

    private Task<SigV4Credentials> CredentialsAsync(string? profile = null) =>
        new DefaultCredentialsChain(_env.Environment, profile, null).GetCredentialsAsync(CancellationToken.None).AsTask();

    // ---- Region

    [Fact]
    public void RegionFromOptionsWinsOverEverything()
    {
        _env.Variables["AWS_REGION"] = "eu-west-1";
        _env.Variables["AWS_DEFAULT_REGION"] = "eu-west-2";
        _env.WriteConfig("[default]\nregion = eu-west-3\n");

        var config = Resolve(new IvsClientOptions { Region = "us-east-1" });

        Assert.Equal(("us-east-1", "options"), (config.Region, config.RegionSource));
    }

    [Fact]
    public void RegionFromAwsRegionBeforeAwsDefaultRegionBeforeProfile()
    {
        _env.WriteConfig("[default]\nregion = eu-west-3\n");
        Assert.Equal(("eu-west-3", "profile default"), (Resolve().Region, Resolve().RegionSource));

        _env.Variables["AWS_DEFAULT_REGION"] = "eu-west-2";
        Assert.Equal(("eu-west-2", "AWS_DEFAULT_REGION"), (Resolve().Region, Resolve().RegionSource));

        _env.Variables["AWS_REGION"] = "eu-west-1";
        Assert.Equal(("eu-west-1", "AWS_REGION"), (Resolve().Region, Resolve().RegionSource));
    }

    [Fact]
    public void RegionFromTheNamedProfile()
    {
        _env.WriteConfig("[default]\nregion = eu-west-3\n\n[profile dev]\nregion = ap-south-1\n");
        _env.Variables["AWS_PROFILE"] = "dev";
        Assert.Equal("ap-south-1", Resolve().Region);
        Assert.Equal("eu-west-3", Resolve(new IvsClientOptions { Profile = "default" }).Region);
    }

    [Fact]
    public void MissingRegionFailsWithWhatToSet()
    {
        var error = Assert.Throws<IvsConfigurationException>(() => Resolve());
        Assert.Contains("Missing Region", error.Message);
        Assert.Contains("AWS_REGION", error.Message);

        var withEndpoint = Assert.Throws<IvsConfigurationException>(() => Resolve(new IvsClientOptions { Endpoint = new Uri("http://127.0.0.1:8080") }));
        Assert.Contains("Missing Region", withEndpoint.Message);
    }

    // ---- Endpoint

    [Fact]
    public void EndpointFromTheRulesWhenNothingIsConfigured()
    {
        var config = Resolve(new IvsClientOptions { Region = "eu-central-1" });
        Assert.Equal(new Uri("https://ivs.eu-central-1.amazonaws.com"), config.Endpoint);
        Assert.Equal("endpoint rules", config.EndpointSource);
    }

    [Fact]
    public void EndpointPrecedence()
    {
        _env.Variables["AWS_REGION"] = "us-west-2";
        _env.WriteConfig("""
            [default]
            endpoint_url = http://profile-global:1
            services = local

            [services local]
            ivs =
              endpoint_url = http://profile-ivs:2
            s3 =
              endpoint_url = http://profile-s3:3
            """);
        Assert.Equal(("http://profile-ivs:2/", "profile default services ivs"), (Resolve().Endpoint.ToString(), Resolve().EndpointSource));

        _env.Variables["AWS_ENDPOINT_URL"] = "http://env-global:4";
        Assert.Equal(("http://env-global:4/", "AWS_ENDPOINT_URL"), (Resolve().Endpoint.ToString(), Resolve().EndpointSource));

        _env.Variables["AWS_ENDPOINT_URL_IVS"] = "http://env-ivs:5";
        Assert.Equal(("http://env-ivs:5/", "AWS_ENDPOINT_URL_IVS"), (Resolve().Endpoint.ToString(), Resolve().EndpointSource));

        var explicitConfig = Resolve(new IvsClientOptions { Endpoint = new Uri("http://code:6") });
        Assert.Equal(("http://code:6/", "options"), (explicitConfig.Endpoint.ToString(), explicitConfig.EndpointSource));
    }

    [Fact]
    public void ProfileEndpointUrlWithoutServicesSection()
    {
        _env.WriteConfig("[profile local]\nregion = us-west-2\nendpoint_url = http://127.0.0.1:8080\n");
        var config = Resolve(new IvsClientOptions { Profile = "local" });
        Assert.Equal(new Uri("http://127.0.0.1:8080"), config.Endpoint);
        Assert.Equal("profile local", config.EndpointSource);
    }

    [Fact]
    public void IgnoreConfiguredEndpointUrlsFallsBackToTheRules()
    {
        _env.Variables["AWS_REGION"] = "us-west-2";
        _env.Variables["AWS_ENDPOINT_URL"] = "http://env-global:4";
        _env.Variables["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        Assert.Equal(new Uri("https://ivs.us-west-2.amazonaws.com"), Resolve().Endpoint);
        Assert.Equal(new Uri("http://code:6"), Resolve(new IvsClientOptions { Endpoint = new Uri("http://code:6") }).Endpoint);
    }

    [Fact]
    public void FipsAndDualStackFromEachSource()
    {
        _env.Variables["AWS_REGION"] = "us-east-1";
        _env.WriteConfig("[default]\nuse_dualstack_endpoint = true\n");
        Assert.Equal(new Uri("https://ivs.us-east-1.api.aws"), Resolve().Endpoint);

        _env.Variables["AWS_USE_FIPS_ENDPOINT"] = "true";
        Assert.Equal(new Uri("https://ivs-fips.us-east-1.api.aws"), Resolve().Endpoint);

        Assert.Equal(new Uri("https://ivs-fips.us-east-1.amazonaws.com"), Resolve(new IvsClientOptions { UseDualStack = false }).Endpoint);
        Assert.Equal(new Uri("https://ivs.us-east-1.amazonaws.com"), Resolve(new IvsClientOptions { UseDualStack = false, UseFips = false }).Endpoint);
    }

    [Fact]
    public void CustomEndpointWithFipsIsRefusedByTheRules()
    {
        var error = Assert.Throws<IvsConfigurationException>(() =>
            Resolve(new IvsClientOptions { Region = "us-east-1", Endpoint = new Uri("http://127.0.0.1:1"), UseFips = true }));
        Assert.Equal("Invalid Configuration: FIPS and custom endpoint are not supported", error.Message);
    }

    [Fact]
    public void MaxAttemptsFromEachSource()
    {
        _env.Variables["AWS_REGION"] = "us-east-1";
        Assert.Equal(3, Resolve().MaxAttempts);
        _env.WriteConfig("[default]\nmax_attempts = 5\n");
        Assert.Equal(5, Resolve().MaxAttempts);
        _env.Variables["AWS_MAX_ATTEMPTS"] = "7";
        Assert.Equal(7, Resolve().MaxAttempts);
        Assert.Equal(2, Resolve(new IvsClientOptions { Retry = new() { MaxAttempts = 2 } }).MaxAttempts);
        _env.Variables["AWS_MAX_ATTEMPTS"] = "many";
        Assert.Throws<IvsConfigurationException>(() => Resolve());
    }

    // ---- Credentials

    [Fact]
    public async Task CredentialsFromTheEnvironment()
    {
        _env.Variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env.Variables["AWS_SECRET_ACCESS_KEY"] = "env-secret";
        _env.Variables["AWS_SESSION_TOKEN"] = "env-token";

        Assert.Equal(new SigV4Credentials("AKIDENV", "env-secret", "env-token"), await CredentialsAsync());
    }

    [Fact]
    public async Task CredentialsFromTheCredentialsFileWinOverTheConfigFile()
    {
        _env.WriteConfig("[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
        Assert.Equal(new SigV4Credentials("AKIDCONFIG", "config-secret"), await CredentialsAsync());

        _env.WriteCredentials("[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\naws_session_token = creds-token\n");
        Assert.Equal(new SigV4Credentials("AKIDCREDS", "creds-secret", "creds-token"), await CredentialsAsync());
    }

    [Fact]
    public async Task EnvironmentWinsOverFilesAndAwsProfile()
    {
        _env.WriteCredentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = d\n");
        _env.Variables["AWS_PROFILE"] = "dev";
        Assert.Equal("AKIDDEV", (await CredentialsAsync()).AccessKeyId);

        _env.Variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env.Variables["AWS_SECRET_ACCESS_KEY"] = "env-secret";
        Assert.Equal("AKIDENV", (await CredentialsAsync()).AccessKeyId);
    }

    [Fact]
    public async Task AProfileNamedInCodeWinsOverTheEnvironment()
    {
        _env.WriteCredentials("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = d\n");
        _env.Variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env.Variables["AWS_SECRET_ACCESS_KEY"] = "env-secret";

        Assert.Equal("AKIDDEV", (await CredentialsAsync(profile: "dev")).AccessKeyId);
    }

    [Fact]
    public async Task FileLocationsFromTheEnvironment()
    {
        var credentials = _env.WriteCredentials("[default]\naws_access_key_id = AKIDELSEWHERE\naws_secret_access_key = s\n", Path.Combine(_env.Home, "other", "creds"));
        var config = _env.WriteConfig("[default]\nregion = sa-east-1\n", Path.Combine(_env.Home, "other", "conf"));
        _env.Variables["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
        _env.Variables["AWS_CONFIG_FILE"] = config;

        Assert.Equal("AKIDELSEWHERE", (await CredentialsAsync()).AccessKeyId);
        Assert.Equal("sa-east-1", Resolve().Region);
    }

    [Fact]
    public async Task HomeRelativeFileLocations()
    {
        _env.WriteCredentials("[default]\naws_access_key_id = AKIDTILDE\naws_secret_access_key = s\n", Path.Combine(_env.Home, "x", "c"));
        _env.Variables["AWS_SHARED_CREDENTIALS_FILE"] = "~/x/c";
        Assert.Equal("AKIDTILDE", (await CredentialsAsync()).AccessKeyId);
    }

    [Fact]
    public async Task ExplicitCredentialsWinOverEverySource()
    {
        _env.Variables["AWS_ACCESS_KEY_ID"] = "AKIDENV";
        _env.Variables["AWS_SECRET_ACCESS_KEY"] = "env-secret";
        var handler = new ScriptedHandler().Respond(200);
        using var client = TestClients.Create(handler, o => o.Credentials = new SigV4Credentials("AKIDCODE", "code-secret"), environment: _env.Environment);

        await client.GetChannelAsync(new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/x" });

        Assert.Contains("Credential=AKIDCODE/", handler.Requests.Single().Request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public async Task ACustomProviderIsUsedWhenNoCredentialsAreGiven()
    {
        var handler = new ScriptedHandler().Respond(200);
        using var client = TestClients.Create(handler, o =>
        {
            o.Credentials = null;
            o.CredentialsProvider = new StaticCredentialsProvider(new SigV4Credentials("AKIDPROVIDER", "p", "provider-token"));
        }, environment: _env.Environment);

        await client.GetChannelAsync(new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/x" });

        var request = handler.Requests.Single().Request;
        Assert.Contains("Credential=AKIDPROVIDER/", request.Headers.GetValues("Authorization").Single());
        Assert.Equal("provider-token", request.Headers.GetValues("x-amz-security-token").Single());
    }

    [Fact]
    public async Task TheClientUsesTheChainWhenNothingIsGiven()
    {
        _env.WriteCredentials("[default]\naws_access_key_id = AKIDCHAIN\naws_secret_access_key = s\n");
        var handler = new ScriptedHandler().Respond(200);
        using var client = TestClients.Create(handler, o => o.Credentials = null, environment: _env.Environment);

        await client.GetChannelAsync(new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/x" });

        Assert.Contains("Credential=AKIDCHAIN/", handler.Requests.Single().Request.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public async Task NoCredentialsFailsWithEverySourceNamedAndNoSecret()
    {
        _env.Variables["AWS_SECRET_ACCESS_KEY"] = "half-configured-secret";
        var error = await Assert.ThrowsAsync<IvsConfigurationException>(() => CredentialsAsync());

        Assert.Contains("AWS_ACCESS_KEY_ID", error.Message);
        Assert.Contains("profile 'default'", error.Message);
        Assert.DoesNotContain("half-configured-secret", error.Message);
    }

    [Fact]
    public async Task ChainReportsItsSource()
    {
        _env.WriteCredentials("[default]\naws_access_key_id = A\naws_secret_access_key = s\n");
        var chain = new DefaultCredentialsChain(_env.Environment, null, null);
        await chain.GetCredentialsAsync(CancellationToken.None);
        Assert.Equal("profile default", chain.Source);
    }

    [Fact]
    public void CredentialsNeverAppearInToString()
    {
        var credentials = new SigV4Credentials("AKIDX", "top-secret-key", "secret-session");
        Assert.DoesNotContain("top-secret-key", credentials.ToString());
        Assert.DoesNotContain("secret-session", credentials.ToString());
    }
}
