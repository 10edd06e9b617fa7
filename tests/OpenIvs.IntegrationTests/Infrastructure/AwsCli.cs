using System.Diagnostics;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>What one <c>aws</c> invocation did.</summary>
public sealed record CliResult(string[] Arguments, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout parsed as JSON (null when empty, as for 204 operations).</summary>
    public JsonObject? Json => string.IsNullOrWhiteSpace(Stdout) ? null : JsonNode.Parse(Stdout)!.AsObject();

    public override string ToString() => $"aws {string.Join(' ', Arguments)} -> exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs the real AWS CLI (<c>aws</c> on PATH) against a test server: <c>aws ivs OP ... --endpoint-url URL
/// --output json</c>, with the test root key in the environment and the user's own AWS configuration kept out.
/// </summary>
public static class AwsCli
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>Runs <c>aws ivs {operation} {args}</c>; returns whatever happened.</summary>
    public static Task<CliResult> RunAsync(ServerProcess server, string operation, params string[] args) =>
        RunRawAsync(["ivs", operation, .. args, "--endpoint-url", server.Endpoint.ToString().TrimEnd('/'), "--output", "json"]);

    /// <summary>Runs an IVS operation that must succeed; returns its JSON output (null for an empty body).</summary>
    public static async Task<JsonObject?> IvsAsync(ServerProcess server, string operation, params string[] args)
    {
        var result = await RunAsync(server, operation, args).ConfigureAwait(false);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json;
    }

    /// <summary>Runs an IVS operation that must fail with <paramref name="errorCode"/> and a message; returns the result.</summary>
    /// <remarks>
    /// The CLI prints "An error occurred (Code) when calling the Op operation: message", the message read from the
    /// body's <c>message</c> (OpenIVS sends it beside the model's <c>exceptionMessage</c>): it must not be empty.
    /// </remarks>
    public static async Task<CliResult> FailsAsync(ServerProcess server, string errorCode, string operation, params string[] args)
    {
        var result = await RunAsync(server, operation, args).ConfigureAwait(false);
        Assert.True(result.ExitCode == 254 || result.ExitCode == 255, $"expected a service error exit code (254/255)\n{result}");
        Assert.True(result.Stderr.Contains($"An error occurred ({errorCode})", StringComparison.Ordinal), $"expected {errorCode}\n{result}");
        Assert.True(result.Stderr.Contains($"when calling the {operation.Replace("-", string.Empty, StringComparison.Ordinal)} operation",
            StringComparison.OrdinalIgnoreCase), result.ToString());
        Assert.False(string.IsNullOrWhiteSpace(ErrorMessage(result)), $"the CLI shows an empty error message\n{result}");
        return result;
    }

    /// <summary>The message part of the CLI's "An error occurred (Code) when calling the Op operation: message".</summary>
    /// <remarks>Retryable errors read "... operation (reached max retries: 0): message".</remarks>
    public static string ErrorMessage(CliResult result)
    {
        var match = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"when calling the \w+ operation(?: \([^)]*\))?: (.*)", System.Text.RegularExpressions.RegexOptions.Singleline);
        return match.Success ? match.Groups[1].Value.Trim() : string.Empty;
    }

    public static async Task<CliResult> RunRawAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("aws")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Only the test key: no profile, config or credentials file of whoever runs the tests.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var isolated = Path.Combine(Path.GetTempPath(), "openivs-no-aws-config");
        start.Environment["AWS_ACCESS_KEY_ID"] = TestCredentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = TestCredentials.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = TestCredentials.Region;
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(isolated, "config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(isolated, "credentials");
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1"; // injected errors must reach the test, not be retried away
        start.Environment["AWS_PAGER"] = string.Empty;
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the AWS CLI (aws).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"aws {string.Join(' ', args)} did not finish within {Limit.TotalSeconds} s.");
        }

        return new CliResult([.. args], process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
