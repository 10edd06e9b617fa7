using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>How to start a test server.</summary>
public sealed record ServerOptions
{
    /// <summary>The data directory; null makes a fresh temporary one (deleted on dispose).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Pass no <c>--data-dir</c> at all (the server then uses <c>data</c> in its working directory).</summary>
    public bool OmitDataDirectory { get; init; }

    /// <summary>The process's working directory (default: the data directory's parent).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Set <c>OPENIVS_ACCESS_KEY_ID</c>/<c>OPENIVS_SECRET_ACCESS_KEY</c> to <see cref="TestCredentials"/>.</summary>
    public bool UseTestCredentials { get; init; } = true;

    public bool FaultInjection { get; init; }

    /// <summary>Use this HTTP port (for a restart on the same address); 0 picks a free one.</summary>
    public int HttpPort { get; init; }

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>The server's --log-level (Information logs every request: useful when diagnosing a failure).</summary>
    public string LogLevel { get; init; } = "Warning";
}

/// <summary>
/// A real OpenIVS server: <c>dotnet $OPENIVS_CLI_DLL serve</c> on free loopback ports, ready once
/// <c>GET /health</c> answers 200. Fails (never skips) when the CLI has not been published.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(90);
    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsDataDirectory;

    private ServerProcess(Process process, ServerOptions options, string dataDirectory, string workingDirectory, int httpPort, bool ownsDataDirectory)
    {
        _process = process;
        Options = options;
        DataDirectory = dataDirectory;
        WorkingDirectory = workingDirectory;
        HttpPort = httpPort;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public ServerOptions Options { get; }

    public string DataDirectory { get; }

    public string WorkingDirectory { get; }

    public int HttpPort { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The plain RTMP listener's port (channels with insecureIngest).</summary>
    public int RtmpPort { get; private set; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Describes how the process ended, waiting up to <paramref name="wait"/> for it to end.</summary>
    public string DescribeExit(TimeSpan wait)
    {
        if (!_process.WaitForExit(wait))
        {
            return "still running";
        }

        return _process.ExitCode > 128 ? $"exited with code {_process.ExitCode} (signal {_process.ExitCode - 128})" : $"exited with code {_process.ExitCode}";
    }

    /// <summary>The last part of the server's stdout and stderr, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The published CLI (<c>OPENIVS_CLI_DLL</c>, set by scripts/test.sh).</summary>
    public static string CliDll
    {
        get
        {
            var dll = Environment.GetEnvironmentVariable("OPENIVS_CLI_DLL");
            if (string.IsNullOrEmpty(dll))
            {
                throw new InvalidOperationException(
                    "OPENIVS_CLI_DLL is not set. Run ./scripts/test.sh, or publish the CLI (dotnet publish src/OpenIvs.Cli -c Release -o artifacts/cli) " +
                    "and export OPENIVS_CLI_DLL=$PWD/artifacts/cli/openivs.dll.");
            }

            return File.Exists(dll)
                ? Path.GetFullPath(dll)
                : throw new InvalidOperationException($"OPENIVS_CLI_DLL points at {dll}, which does not exist. Publish the CLI first.");
        }
    }

    public static async Task<ServerProcess> StartAsync(ServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Free ports are picked before the server binds them, so another process can take one in between.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e) when (attempt < 5 && (options?.HttpPort ?? 0) == 0 && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<ServerProcess> StartOnceAsync(ServerOptions? options, CancellationToken cancellationToken)
    {
        options ??= new ServerOptions();
        var dll = CliDll;
        var owns = options.DataDirectory is null && !options.OmitDataDirectory;
        var dataDirectory = options.DataDirectory ?? (options.OmitDataDirectory
            ? Path.Combine(options.WorkingDirectory ?? throw new ArgumentException("OmitDataDirectory needs a WorkingDirectory."), "data")
            : Directory.CreateTempSubdirectory("openivs-it-").FullName);
        var workingDirectory = options.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(dataDirectory))!;
        var httpPort = options.HttpPort != 0 ? options.HttpPort : FreePort();
        var rtmpPort = FreePort();

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("serve");
        if (!options.OmitDataDirectory)
        {
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(dataDirectory);
        }

        foreach (var argument in new[]
                 {
                     "--http", $"127.0.0.1:{httpPort}", "--rtmp", $"127.0.0.1:{rtmpPort}", "--rtmps", $"127.0.0.1:{FreePort()}",
                     "--srt", $"127.0.0.1:{FreePort()}", "--region", TestCredentials.Region, "--log-level", options.LogLevel,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (options.FaultInjection)
        {
            start.ArgumentList.Add("--enable-fault-injection");
        }

        foreach (var argument in options.ExtraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("OPENIVS_ACCESS_KEY_ID");
        start.Environment.Remove("OPENIVS_SECRET_ACCESS_KEY");
        start.Environment.Remove("OPENIVS_DATA_DIR");
        start.Environment.Remove("OPENIVS_CONFIG");
        if (options.UseTestCredentials)
        {
            start.Environment["OPENIVS_ACCESS_KEY_ID"] = TestCredentials.AccessKeyId;
            start.Environment["OPENIVS_SECRET_ACCESS_KEY"] = TestCredentials.SecretAccessKey;
        }

        // No ffmpeg transcoder per STANDARD stream in these black-box tests (CPU); Server.Tests' TranscodingTests cover it.
        start.Environment["OPENIVS_Transcoding__Enabled"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, options, dataDirectory, workingDirectory, httpPort, owns) { RtmpPort = rtmpPort };
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilHealthyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>SIGKILL: the process gets no chance to flush or shut down.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public async Task<bool> IsHealthyAsync()
    {
        if (_process.HasExited)
        {
            return false;
        }

        try
        {
            using var response = await HealthClient.GetAsync(new Uri(Endpoint, "/health")).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        if (_ownsDataDirectory)
        {
            await Task.Run(() => TryDelete(DataDirectory)).ConfigureAwait(false);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await IsHealthyAsync().ConfigureAwait(false))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"openivs serve exited with code {_process.ExitCode} during start-up:\n{Output}");
            }

            if (deadline.Elapsed > StartupLimit)
            {
                throw new TimeoutException($"openivs serve did not become healthy within {StartupLimit.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, _output.Length - (48 * 1024));
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A server shared by the tests of one class (xunit class fixture).</summary>
public class ServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;

    protected virtual ServerOptions Options => new();

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public virtual async Task InitializeAsync() => _server = await ServerProcess.StartAsync(Options).ConfigureAwait(false);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A shared server with fault injection on.</summary>
public sealed class FaultInjectionServerFixture : ServerFixture
{
    protected override ServerOptions Options => new() { FaultInjection = true };
}
