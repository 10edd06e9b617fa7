using System.Diagnostics;
using System.Text.Json.Nodes;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>
/// Runs a script of tests/js/drivers with node: JSON in on stdin, JSON out on stdout. Fails (never skips)
/// when node or the npm packages are missing: run scripts/install-test-deps.sh.
/// </summary>
internal static class NodeDriver
{
    public static string JsDirectory => System.IO.Path.Combine(RepositoryRoot.Path, "tests", "js");

    public static async Task<JsonNode> RunAsync(string script, JsonNode input, TimeSpan? timeout = null)
    {
        var path = System.IO.Path.Combine(JsDirectory, "drivers", script);
        Assert.True(File.Exists(path), $"Missing driver {path}.");
        foreach (var package in new[] { "@aws-sdk/client-ivs", "jose" })
        {
            Assert.True(
                Directory.Exists(System.IO.Path.Combine(JsDirectory, "node_modules", package)),
                $"The npm package {package} is not installed in tests/js: run scripts/install-test-deps.sh (npm ci in tests/js).");
        }

        var start = new ProcessStartInfo("node", [path])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = JsDirectory,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"node (Node.js 20 or later) is required for this test and was not found: {e.Message}");
            throw;
        }

        using (process)
        {
            await process.StandardInput.WriteAsync(input.ToJsonString());
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(cancel.Token);
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"{script} exited with {process.ExitCode}: {await stderr}");
            return JsonNode.Parse(output) ?? throw new InvalidOperationException($"{script} printed nothing");
        }
    }
}
