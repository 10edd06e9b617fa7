using System.Diagnostics;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A real S3 API for tests: moto in server mode (<c>python3 -m moto.server</c>) on a free port, and the AWS CLI
/// against it. State lives in the moto process; disposing kills it. Tests fail (not skip) when moto is missing.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    public const string AccessKeyId = "testing";
    public const string SecretAccessKey = "testing";
    private readonly Process _process;

    private MotoServer(Process process, int port)
    {
        _process = process;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public static async Task<MotoServer> StartAsync()
    {
        // AWSSDK.S3 in the server under test reads the standard variables (the credential chain).
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretAccessKey);
        var port = TestServer.FreePort();
        var start = new ProcessStartInfo("python3", $"-m moto.server -H 127.0.0.1 -p {port}")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("moto did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var moto = new MotoServer(process, port);
        using var http = new HttpClient();
        await Eventually.ReturnsAsync(
            async () =>
            {
                Assert.False(process.HasExited, "moto exited (pip install 'moto[server]')");
                try
                {
                    using var response = await http.GetAsync(moto.Endpoint + "/moto-api/");
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            up => up, "moto to listen");
        return moto;
    }

    /// <summary>Runs <c>aws s3 ...</c> against moto; returns standard output, failing the test on a non-zero exit.</summary>
    public async Task<string> AwsAsync(string arguments)
    {
        var start = new ProcessStartInfo("aws", $"{arguments} --endpoint-url {Endpoint} --region us-west-2")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"aws {arguments}: {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
