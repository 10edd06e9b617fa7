namespace OpenIvs.IntegrationTests.Startup;

/// <summary>
/// The README's first run: <c>openivs serve</c> with no options in an empty directory creates <c>data/</c>,
/// generates the root key into <c>data/credentials</c> (AWS shared-credentials format, mode 0600), and the AWS
/// CLI works with nothing but <c>AWS_SHARED_CREDENTIALS_FILE</c> pointing at that file.
/// </summary>
public class CleanDataDirectoryTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FirstStartGeneratesCredentialsTheAwsCliCanUse()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("openivs-clean-").FullName;
        try
        {
            var options = new ServerOptions { OmitDataDirectory = true, WorkingDirectory = workingDirectory, UseTestCredentials = false };
            string accessKeyId;
            await using (var server = await ServerProcess.StartAsync(options))
            {
                var credentials = Path.Combine(workingDirectory, "data", "credentials");
                Assert.True(File.Exists(credentials), "data/credentials was not created:\n" + server.Output);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(workingDirectory, "data")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(workingDirectory, "data", "openivs.db")));
                var profile = ParseSharedCredentials(await File.ReadAllTextAsync(credentials));
                Assert.True(profile.ContainsKey("default"), "no [default] profile");
                accessKeyId = profile["default"]["aws_access_key_id"];
                Assert.Matches("^AKIA[A-Z0-9]{16}$", accessKeyId);
                Assert.Equal(40, profile["default"]["aws_secret_access_key"].Length);

                var created = await CliWithCredentialsFileAsync(server, credentials, "create-channel", "--name", "first-run");
                Assert.True(created.ExitCode == 0, created.ToString());
                var listed = await CliWithCredentialsFileAsync(server, credentials, "list-channels");
                Assert.True(listed.ExitCode == 0, listed.ToString());
                Assert.Equal(IvsAssert.Str(created.Json!["channel"], "arn"), (string?)Assert.Single(listed.Json!["channels"]!.AsArray())!["arn"]);
                Assert.Contains(accessKeyId, server.Output, StringComparison.Ordinal); // the start-up banner names the key (never the secret)
                Assert.DoesNotContain(profile["default"]["aws_secret_access_key"], server.Output, StringComparison.Ordinal);
            }

            // A second start keeps the key and the channel.
            await using (var again = await ServerProcess.StartAsync(options))
            {
                var credentials = Path.Combine(workingDirectory, "data", "credentials");
                Assert.Equal(accessKeyId, ParseSharedCredentials(await File.ReadAllTextAsync(credentials))["default"]["aws_access_key_id"]);
                var listed = await CliWithCredentialsFileAsync(again, credentials, "list-channels");
                Assert.True(listed.ExitCode == 0, listed.ToString());
                Assert.Equal("first-run", (string?)Assert.Single(listed.Json!["channels"]!.AsArray())!["name"]);
            }
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AdminOnANewDirectoryCreatesItOwnerOnly()
    {
        var parent = Directory.CreateTempSubdirectory("openivs-admin-").FullName;
        try
        {
            var data = Path.Combine(parent, "data");
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { ServerProcess.CliDll, "admin", "create-user", "--user", "ci", "--data-dir", data })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
            foreach (var file in new[] { "openivs.db", "master.key" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, file)));
            }
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private static Task<CliResult> CliWithCredentialsFileAsync(ServerProcess server, string credentialsFile, string operation, params string[] args) =>
        AwsCli.RunRawAsync(
            ["ivs", operation, .. args, "--endpoint-url", server.Endpoint.ToString().TrimEnd('/'), "--output", "json"],
            new Dictionary<string, string?>
            {
                ["AWS_ACCESS_KEY_ID"] = null,
                ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_SHARED_CREDENTIALS_FILE"] = credentialsFile,
            });

    /// <summary>Reads an INI-style shared-credentials file: <c>[profile]</c> headers and <c>key = value</c> lines.</summary>
    private static Dictionary<string, Dictionary<string, string>> ParseSharedCredentials(string text)
    {
        var profiles = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = profiles[line[1..^1].Trim()] = new(StringComparer.Ordinal);
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && equals > 0, $"not a shared-credentials line: '{line}'");
            current![line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return profiles;
    }
}
