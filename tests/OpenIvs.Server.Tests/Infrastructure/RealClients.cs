using System.Diagnostics;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// The real clients users have: the AWS CLI (`aws` on PATH) and the AWS SDK for JavaScript (through the
/// drivers in tests/js/drivers, which need `npm ci` in tests/js). Missing tools fail the tests.
/// </summary>
public static class RealClients
{
    public static string RepositoryRoot => OpenIvs.Tests.Shared.RepositoryRoot.Path;

    /// <summary>Runs <c>aws ivs ...</c>; returns the exit code, stdout and stderr.</summary>
    public static Task<(int ExitCode, string Output, string Error)> AwsAsync(
        TestServer server, string accessKeyId, string? secretAccessKey, params string[] arguments) =>
        AwsAsync(server, server.BaseAddress, accessKeyId, secretAccessKey, arguments);

    /// <summary>Runs <c>aws ivs ...</c> against <paramref name="endpoint"/> (for example a proxy in front of the server).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> AwsAsync(
        TestServer server, Uri endpoint, string accessKeyId, string? secretAccessKey, params string[] arguments)
    {
        var start = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "ivs" }.Concat(arguments).Concat(["--endpoint-url", endpoint.ToString().TrimEnd('/'), "--output", "json"]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_DEFAULT_REGION"] = server.Options.Region;
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
        start.Environment["AWS_CONFIG_FILE"] = "/nonexistent";
        start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        if (secretAccessKey is null)
        {
            start.ArgumentList.Add("--no-sign-request");
            start.Environment.Remove("AWS_SECRET_ACCESS_KEY");
        }
        else
        {
            start.Environment["AWS_SECRET_ACCESS_KEY"] = secretAccessKey;
        }

        return await RunAsync(start, input: null);
    }

    /// <summary>Calls IVS operations with @aws-sdk/client-ivs; returns the driver's JSON result array.</summary>
    public static async Task<JsonArray> JsSdkAsync(
        TestServer server, JsonObject? credentials, IEnumerable<(string Operation, JsonObject Input)> calls, bool unsigned = false, Uri? endpoint = null)
    {
        var request = new JsonObject
        {
            ["endpoint"] = (endpoint ?? server.BaseAddress).ToString().TrimEnd('/'),
            ["region"] = server.Options.Region,
            ["credentials"] = credentials?.DeepClone(),
            ["maxAttempts"] = 1,
            ["unsigned"] = unsigned,
            ["calls"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject { ["operation"] = c.Operation, ["input"] = c.Input.DeepClone() })]),
        };
        var output = await NodeAsync("ivs-calls.mjs", request);
        return JsonNode.Parse(output)!.AsArray();
    }

    /// <summary>Presigns a POST with the JavaScript SDK's signer; returns the URL.</summary>
    public static async Task<string> JsPresignAsync(TestServer server, JsonObject credentials, string operation, string body, int expiresInSeconds)
    {
        var output = await NodeAsync("presign.mjs", new JsonObject
        {
            ["endpoint"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["region"] = server.Options.Region,
            ["credentials"] = credentials.DeepClone(),
            ["operation"] = operation,
            ["body"] = body,
            ["expiresIn"] = expiresInSeconds,
        });
        return (string)JsonNode.Parse(output)!["url"]!;
    }

    public static JsonObject Credentials(string accessKeyId, string secretAccessKey) =>
        new() { ["accessKeyId"] = accessKeyId, ["secretAccessKey"] = secretAccessKey };

    private static async Task<string> NodeAsync(string driver, JsonObject input)
    {
        var js = Path.Combine(RepositoryRoot, "tests", "js");
        Assert.True(Directory.Exists(Path.Combine(js, "node_modules", "@aws-sdk", "client-ivs")), "Run `npm ci` in tests/js (scripts/install-test-deps.sh does).");
        var start = new ProcessStartInfo("node", Path.Combine(js, "drivers", driver))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = js,
        };
        var (code, output, error) = await RunAsync(start, input.ToJsonString());
        Assert.True(code == 0, $"node {driver} failed: {error}");
        return output;
    }

    private static async Task<(int, string, string)> RunAsync(ProcessStartInfo start, string? input)
    {
        if (input is not null)
        {
            start.RedirectStandardInput = true;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
