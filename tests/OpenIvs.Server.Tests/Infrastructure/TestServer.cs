using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Hosting;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A real OpenIVS server in the test process: Kestrel on a free loopback port, SQLite in a temp data
/// directory, and optionally a fake clock. Requests are SigV4-signed with the root key unless told otherwise.
/// With <c>OPENIVS_TEST_POSTGRES=1</c> the store is PostgreSQL instead (<see cref="PostgresCluster"/>: a database
/// per data directory, so a server restarted on its directory finds its state): scripts/test.sh runs the API,
/// ingest and playback classes again that way.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly OpenIvsServer _server;

    private readonly bool _ownsDataDirectory;

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Databases = new(StringComparer.Ordinal);

    /// <summary>True when the tests run on PostgreSQL (<c>OPENIVS_TEST_POSTGRES</c> set and not 0).</summary>
    public static bool UsesPostgres => Environment.GetEnvironmentVariable("OPENIVS_TEST_POSTGRES") is { Length: > 0 } value && value != "0";

    private TestServer(OpenIvsServer server, OpenIvsOptions options, TimeProvider time, bool ownsDataDirectory)
    {
        _ownsDataDirectory = ownsDataDirectory;
        _server = server;
        Options = options;
        Time = time;
        BaseAddress = new Uri($"http://{options.Http}");
        Http = new HttpClient { BaseAddress = BaseAddress };
        Root = new SigV4Credentials(server.Credentials.AccessKeyId, server.Credentials.SecretAccessKey);
    }

    public OpenIvsOptions Options { get; }

    public TimeProvider Time { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public SigV4Credentials Root { get; }

    public IServiceProvider Services => _server.Services;

    public string DataDirectory => Options.DataDirectory;

    public static async Task<TestServer> StartAsync(
        Action<OpenIvsOptions>? configure = null, TimeProvider? time = null, string? dataDirectory = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        time ??= TimeProvider.System;
        var directory = dataDirectory ?? TempDirectory();
        var postgres = UsesPostgres
            ? await Databases.GetOrAdd(directory, _ => new Lazy<Task<string>>(PostgresCluster.CreateDatabaseAsync)).Value
            : string.Empty;

        // Free ports are picked before binding, so another process can take one in between: retry then.
        for (var attempt = 1; ; attempt++)
        {
            var options = new OpenIvsOptions
            {
                DataDirectory = directory,
                Http = $"127.0.0.1:{FreePort()}",
                Rtmp = $"127.0.0.1:{FreePort()}",
                Rtmps = $"127.0.0.1:{FreePort()}",
                Srt = $"127.0.0.1:{FreeUdpPort()}",
            };

            // Transcoding (an ffmpeg per STANDARD stream) only where a test asks for it: CPU for the rest of the suite.
            options.Transcoding.Enabled = false;
            options.Storage.Postgres = postgres;

            // Servers of one test may share a database: each is a node of its own, the same one again after a restart.
            options.Cluster.NodeId = NodeIdOf(directory);
            configure?.Invoke(options);
            var server = await OpenIvsServer.CreateAsync(
                options,
                logging =>
                {
                    if (logs is null)
                    {
                        logging.SetMinimumLevel(LogLevel.Warning);
                    }
                    else
                    {
                        logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
                    }
                },
                collection =>
                {
                    collection.AddSingleton(time);
                    services?.Invoke(collection);
                });
            try
            {
                await server.StartAsync();
                return new TestServer(server, options, time, ownsDataDirectory: dataDirectory is null);
            }
            catch (IOException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>A node id from the data directory's name: stable across restarts, distinct between servers.</summary>
    public static string NodeIdOf(string directory)
    {
        var name = System.Text.RegularExpressions.Regex.Replace(Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)), "[^A-Za-z0-9._-]", "-");
        return ("n-" + name)[..Math.Min(64, name.Length + 2)];
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "openivs-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every event in the durable outbox, oldest first, as parsed EventBridge envelopes.</summary>
    public async Task<List<System.Text.Json.Nodes.JsonNode>> OutboxEventsAsync()
    {
        var outbox = Services.GetRequiredService<OpenIvs.Server.Storage.IEventOutbox>();
        var events = new List<System.Text.Json.Nodes.JsonNode>();
        long after = 0;
        while (await outbox.ReadAsync(after, 500, null, CancellationToken.None) is { Count: > 0 } batch)
        {
            events.AddRange(batch.Select(e => System.Text.Json.Nodes.JsonNode.Parse(e.Json)!));
            after = batch[^1].Position;
        }

        return events;
    }

    public static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    /// <summary>Sends a signed API request (root key by default) and returns the response.</summary>
    public Task<HttpResponseMessage> SendAsync(
        string method, string pathAndQuery, string? json = null, SigV4Credentials? credentials = null, DateTimeOffset? signedAt = null) =>
        Http.SendAsync(Sign(method, pathAndQuery, json, credentials ?? Root, signedAt ?? Time.GetUtcNow()));

    /// <summary>POST /{operation} with a JSON body, signed with the root key.</summary>
    public Task<HttpResponseMessage> CallAsync(string operation, string json = "{}", SigV4Credentials? credentials = null) =>
        SendAsync("POST", "/" + operation, json, credentials);

    public HttpRequestMessage Sign(string method, string pathAndQuery, string? json, SigV4Credentials credentials, DateTimeOffset signedAt)
    {
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        var query = question < 0 ? null : pathAndQuery[(question + 1)..];
        var host = BaseAddress.Authority;
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", host),
            new("x-amz-date", SigV4.FormatDate(signedAt)),
        };
        if (json is not null)
        {
            headers.Add(new("content-type", "application/json"));
        }

        if (credentials.SessionToken is not null)
        {
            headers.Add(new("x-amz-security-token", credentials.SessionToken));
        }

        var signed = SigV4Signer.SignHeaders(method, path, query, headers, SigV4.HexSha256(body), credentials, Options.Region, "ivs", signedAt);
        var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        request.Headers.TryAddWithoutValidation("x-amz-date", SigV4.FormatDate(signedAt));
        if (credentials.SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("x-amz-security-token", credentials.SessionToken);
        }

        request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        return request;
    }

    /// <summary>
    /// Waits until <paramref name="probe"/>'s value satisfies <paramref name="done"/>, checked now and again after
    /// each commit of events to the outbox: woken by the store, never on a clock. For the live side's state (a
    /// stream live or gone, its health, its session): each change of it is followed by a commit of its event.
    /// </summary>
    public async Task<T> UntilStoredAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var outbox = Services.GetRequiredService<OpenIvs.Server.Storage.IEventOutbox>();
        using var bound = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var seen = outbox.LastPosition; // read before the probe, so a commit during it is not missed
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            try
            {
                await outbox.WaitAsync(seen, bound.Token);
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}; last value: {value}");
            }
        }
    }

    /// <summary>A new IAM user with one policy of <paramref name="statements"/> (a statement or a JSON array of them), and its key.</summary>
    public async Task<SigV4Credentials> UserWithPolicyAsync(string name, string statements)
    {
        var iam = Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync(name, default);
        await iam.PutPolicyAsync(name + "-policy", """{"Version":"2012-10-17","Statement":""" + statements + "}", default);
        await iam.AttachPolicyAsync(name, name + "-policy", default);
        var key = await iam.CreateAccessKeyAsync(name, default);
        Services.GetRequiredService<IamDirectory>().Reload();
        return new SigV4Credentials(key.AccessKeyId, key.SecretAccessKey);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        if (!_ownsDataDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(Options.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
