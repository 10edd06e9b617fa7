using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OpenIvs.Tests.Shared;

/// <summary>
/// A real, throw-away PostgreSQL for the whole test assembly: Debian's postgresql 15 binaries, <c>initdb</c> into a
/// temporary directory, <c>postgres</c> on a free loopback port with its socket in that directory, stopped and
/// deleted when the test process exits. PostgreSQL refuses to run as root, so as root it runs as the
/// <c>postgres</c> user (the package creates it). Each test takes a database of its own (<see cref="CreateDatabaseAsync"/>).
/// Missing binaries fail the tests (scripts/install-test-deps.sh installs them).
/// </summary>
internal static class PostgresCluster
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<Task<string>> Started = new(StartAsync);
    private static int _databases;

    /// <summary>A new, empty database; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var admin = await Started.Value.ConfigureAwait(false);
        var name = $"openivs_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}/initdb): run scripts/install-test-deps.sh.");
        }

        var directory = Directory.CreateTempSubdirectory("openivs-pg-").FullName;
        var data = Path.Combine(directory, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["postgres:postgres", directory], asPostgres: false).ConfigureAwait(false);
        }

        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", data, "-U", "openivs", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], asRoot).ConfigureAwait(false);
        var port = FreePort();

        // Durability is not what these tests measure: fsync off keeps a shared 2-core machine responsive.
        await RunAsync(
            Path.Combine(BinDirectory, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(directory, "postgres.log"), "-w", "-t", "60", "start",
             "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"],
            asRoot).ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], asRoot).GetAwaiter().GetResult();
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Best effort at exit.
            }
        };

        return new NpgsqlConnectionStringBuilder
        {
            Host = directory,
            Port = port,
            Username = "openivs",
            Database = "postgres",
            MaxPoolSize = 50,
        }.ConnectionString;
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output.ConfigureAwait(false)} {await error.ConfigureAwait(false)}");
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
