using System.Diagnostics;

namespace OpenIvs.IntegrationTests.Cli;

/// <summary>
/// The text of every kind of error, as the AWS CLI and boto3 show it (botocore reads the body's <c>message</c>):
/// modelled errors, unmodelled ones (authentication, unknown operation), and injected faults.
/// </summary>
public class ErrorMessageCliTests(FaultInjectionServerFixture fixture) : IClassFixture<FaultInjectionServerFixture>, IAsyncLifetime
{
    private const string MissingChannel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";
    private readonly ServerProcess _server = fixture.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Faults.ClearAsync(_server);

    [Fact]
    public async Task AModelledErrorShowsItsMessage()
    {
        var cli = await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-channel", "--arn", MissingChannel);
        Assert.Equal($"Channel not found: {MissingChannel}", AwsCli.ErrorMessage(cli));

        var boto = await Boto3Async(TestCredentials.AccessKeyId, TestCredentials.SecretAccessKey, "get_channel", new JsonObject { ["arn"] = MissingChannel });
        Assert.Equal("ResourceNotFoundException", (string?)boto["code"]);
        Assert.Equal($"Channel not found: {MissingChannel}", (string?)boto["message"]);
        Assert.EndsWith($"operation: Channel not found: {MissingChannel}", (string?)boto["text"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValidationErrorShowsWhatIsWrong()
    {
        var cli = await AwsCli.FailsAsync(_server, "ValidationException", "create-channel", "--name", "not valid!");
        Assert.Contains("at 'name' failed to satisfy constraint", AwsCli.ErrorMessage(cli), StringComparison.Ordinal);

        var boto = await Boto3Async(TestCredentials.AccessKeyId, TestCredentials.SecretAccessKey, "create_channel", new JsonObject { ["name"] = "not valid!" });
        Assert.Contains("at 'name' failed to satisfy constraint", (string?)boto["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticationErrorsShowTheirMessage()
    {
        var unknownKey = await AwsCli.RunRawAsync(
            ["ivs", "list-channels", "--endpoint-url", _server.Endpoint.ToString().TrimEnd('/')],
            new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNKEY000000" });
        Assert.Contains("An error occurred (UnrecognizedClientException)", unknownKey.Stderr, StringComparison.Ordinal);
        Assert.Equal("The security token included in the request is invalid.", AwsCli.ErrorMessage(unknownKey));

        var wrongSecret = await Boto3Async(TestCredentials.AccessKeyId, "not-the-secret", "list_channels", []);
        Assert.Equal("InvalidSignatureException", (string?)wrongSecret["code"]);
        Assert.StartsWith("The request signature we calculated does not match", (string?)wrongSecret["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInjectedFaultShowsItsMessage()
    {
        await Faults.InjectAsync(_server, "ListChannels", "ThrottlingException", count: 10, message: "slow down, injected");

        var cli = await AwsCli.FailsAsync(_server, "ThrottlingException", "list-channels");
        Assert.Equal("slow down, injected", AwsCli.ErrorMessage(cli));

        var boto = await Boto3Async(TestCredentials.AccessKeyId, TestCredentials.SecretAccessKey, "list_channels", []);
        Assert.Equal("ThrottlingException", (string?)boto["code"]);
        Assert.Equal("slow down, injected", (string?)boto["message"]);
    }

    private async Task<JsonObject> Boto3Async(string accessKey, string secretKey, string operation, JsonObject parameters)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "TestData", "boto3_error.py"), _server.Endpoint.ToString().TrimEnd('/'),
                     accessKey, secretKey, operation, parameters.ToJsonString(),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"boto3 script failed: {output}\n{await stderr}");
        return JsonNode.Parse(output)!.AsObject();
    }
}
