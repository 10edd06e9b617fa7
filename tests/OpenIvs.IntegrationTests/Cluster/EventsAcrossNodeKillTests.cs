using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Npgsql;
using PostgresCluster = OpenIvs.Tests.Shared.PostgresCluster;
using Xunit.Abstractions;

namespace OpenIvs.IntegrationTests.Cluster;

/// <summary>
/// Three real server processes on one PostgreSQL, all with the same webhook: streams published with ffmpeg on a node
/// keep a steady flow of events going while the node holding the webhook's claim is killed with SIGKILL. Another
/// node takes the claim and the receiver gets every event of the outbox, in order, each once; the only duplicate the
/// design allows is the one event whose 2xx the killed node had read and not yet recorded in its cursor
/// (docs/events.md), and the test says how many it saw. Killed while the receiver holds a request (the worst moment:
/// the receiver has the event, the sender never reads the 2xx), exactly that one event arrives twice, not the
/// events of the last second.
/// </summary>
public class EventsAcrossNodeKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryEventReachesTheWebhookOnceWhenTheNodeDeliveringItIsKilledMidFlow(bool whileARequestIsInFlight)
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        using var receiver = new WebhookReceiver();
        var clip = await MakeClipAsync();
        var nodes = new List<ServerProcess>();
        var stop = new CancellationTokenSource();
        var publishers = new List<Task>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var dataDirectory = Directory.CreateTempSubdirectory("openivs-node-").FullName;
                if (i > 1)
                {
                    // Every node seals and opens stream keys with the same master key.
                    File.Copy(Path.Combine(nodes[0].DataDirectory, "master.key"), Path.Combine(dataDirectory, "master.key"));
                }

                var connection = new NpgsqlConnectionStringBuilder(database) { ApplicationName = $"node-{i}" }.ConnectionString;
                nodes.Add(await ServerProcess.StartAsync(new ServerOptions
                {
                    DataDirectory = dataDirectory,
                    ExtraArguments = ["--postgres", connection, "--webhook", receiver.Url],
                }));
            }

            var holder = nodes[await ClaimHolderAsync(database) - 1];
            var ingest = nodes.First(n => n != holder);
            var keys = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var created = (await RawHttp.SendAsync(holder.Endpoint, RawRequest.Json("POST", "/CreateChannel", $$"""{"name":"flow-{{i}}","insecureIngest":true}"""))).Json!;
                var arn = (string)created["channel"]!["arn"]!;
                keys.Add((string)created["streamKey"]!["value"]!);
                await WaitUntilAsync(async () => (await RawHttp.SendAsync(ingest.Endpoint, RawRequest.Json("POST", "/GetChannel", $$"""{"arn":"{{arn}}"}"""))).Status == 200, "the ingest node knows the channel");
            }

            // Two channels, each publishing the short clip again and again: every run is a stream start and end.
            publishers.AddRange(keys.Select(key => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg",
                        ["-hide_banner", "-loglevel", "error", "-re", "-i", clip, "-c", "copy", "-f", "flv", $"rtmp://127.0.0.1:{ingest.RtmpPort}/app/{key}"])
                    { RedirectStandardError = true })!;
                    _ = ffmpeg.StandardError.ReadToEndAsync();
                    await ffmpeg.WaitForExitAsync(CancellationToken.None);
                    await Task.Delay(300, CancellationToken.None);
                }
            })));

            int beforeKill;
            if (whileARequestIsInFlight)
            {
                // The 12th request: the receiver kills the sender before it answers, then records the event and answers.
                receiver.BeforeAnswering = count => { if (count == 12) holder.Kill(); };
                await WaitUntilAsync(() => Task.FromResult(holder.HasExited), "the 12th request arrived and its sender was killed");
                beforeKill = 12;
            }
            else
            {
                // Mid-flow: after some deliveries, at a moment that is not tied to any event.
                await WaitUntilAsync(() => Task.FromResult(receiver.Count >= 12), "12 events before the kill");
                await Task.Delay(Random.Shared.Next(0, 1500));
                beforeKill = receiver.Count;
                holder.Kill();
            }

            output.WriteLine($"killed node-{nodes.IndexOf(holder) + 1} (the claim holder) after {beforeKill} deliveries");

            var next = await ClaimHolderAsync(database);
            Assert.NotEqual(nodes.IndexOf(holder) + 1, next);
            await WaitUntilAsync(() => Task.FromResult(receiver.Count >= beforeKill + 12), "12 more events after the kill");
            await stop.CancelAsync();
            await Task.WhenAll(publishers);
            await WaitUntilAsync(async () => (await RawHttp.SendAsync(ingest.Endpoint, RawRequest.Json("POST", "/ListStreams", "{}"))).Json!["streams"]!.AsArray().Count == 0, "every stream ended");

            // Done when the new holder's stored cursor reaches the last event: nothing more will be sent.
            var expected = await OutboxIdsAsync(database);
            await WaitUntilAsync(async () => await CursorAsync(database) >= expected[^1].Position, "the cursor reaches the last event");
            expected = await OutboxIdsAsync(database);
            var received = receiver.Ids;
            var duplicates = received.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            output.WriteLine($"outbox {expected.Count} events; received {received.Count}, {received.Distinct().Count()} distinct, {duplicates.Count} duplicated");

            Assert.Equal(expected.Select(e => e.Id), received.Distinct());
            Assert.True(duplicates.Count <= 1, $"duplicated: {string.Join(", ", duplicates)}");
            if (whileARequestIsInFlight)
            {
                // The cursor was stored before that request was sent: the next holder sends that event again, first.
                Assert.Equal(received[beforeKill - 1], Assert.Single(duplicates));
                Assert.Equal(received[beforeKill - 1], received[beforeKill]);
            }
            else if (duplicates.Count == 1)
            {
                // Only the event in flight at the kill: its 2xx was read, the cursor not yet stored.
                Assert.InRange(received.IndexOf(duplicates[0]), beforeKill - 1, beforeKill);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(publishers);
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
                Directory.Delete(node.DataDirectory, recursive: true);
            }

            File.Delete(clip);
        }
    }

    [Fact]
    public async Task OneSqliteServerKilledWhileARequestIsInFlightSendsThatOneEventAgainAfterItsRestart()
    {
        using var receiver = new WebhookReceiver();
        var clip = await MakeClipAsync();
        var options = new ServerOptions { DataDirectory = Directory.CreateTempSubdirectory("openivs-single-").FullName, ExtraArguments = ["--webhook", receiver.Url] };
        var stop = new CancellationTokenSource();
        var publishers = new List<Task>();
        ServerProcess? server = await ServerProcess.StartAsync(options);
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var created = (await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/CreateChannel", $$"""{"name":"flow-{{i}}","insecureIngest":true}"""))).Json!;
                var url = $"rtmp://127.0.0.1:{server.RtmpPort}/app/{(string)created["streamKey"]!["value"]!}";
                publishers.Add(Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-i", clip, "-c", "copy", "-f", "flv", url])
                        { RedirectStandardError = true })!;
                        _ = ffmpeg.StandardError.ReadToEndAsync();
                        await ffmpeg.WaitForExitAsync(CancellationToken.None);
                        await Task.Delay(300, CancellationToken.None);
                    }
                }));
            }

            var killed = server;
            receiver.BeforeAnswering = count => { if (count == 12) killed.Kill(); };
            await WaitUntilAsync(() => Task.FromResult(killed.HasExited), "the 12th request arrived and the server was killed");
            await stop.CancelAsync();
            await Task.WhenAll(publishers);
            await server.DisposeAsync();
            server = null;
            server = await ServerProcess.StartAsync(options);

            // The streams live at the kill end at the restart; done when the stored cursor reaches the last event.
            var outbox = await SqliteOutboxAsync(options.DataDirectory);
            await WaitUntilAsync(async () => (outbox = await SqliteOutboxAsync(options.DataDirectory)).Cursor >= outbox.Last && receiver.Count > 12, "the cursor reaches the last event");
            var received = receiver.Ids;
            output.WriteLine($"outbox {outbox.Ids.Count} events; received {received.Count}, {received.Distinct().Count()} distinct");
            Assert.Equal(outbox.Ids, received.Distinct());
            Assert.Equal(received[11], Assert.Single(received.GroupBy(id => id), g => g.Count() > 1).Key);
            Assert.Equal(received[11], received[12]);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(publishers);
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(options.DataDirectory, recursive: true);
            File.Delete(clip);
        }
    }

    /// <summary>The outbox's event ids in order and the webhook's cursor, read from the SQLite file (Python's sqlite3).</summary>
    private static async Task<(List<string> Ids, long Last, long Cursor)> SqliteOutboxAsync(string dataDirectory)
    {
        using var python = Process.Start(new ProcessStartInfo("python3",
            ["-c", "import json,sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(json.dumps({'ids':[r[0] for r in c.execute('SELECT id FROM events ORDER BY position')], 'last': c.execute('SELECT COALESCE(MAX(position),0) FROM events').fetchone()[0], 'cursor': c.execute('SELECT COALESCE(MAX(position),0) FROM event_cursors').fetchone()[0]}))",
             Path.Combine(dataDirectory, "openivs.db")])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, error);
        var json = JsonNode.Parse(text)!;
        return ([.. json["ids"]!.AsArray().Select(id => (string)id!)], (long)json["last"]!, (long)json["cursor"]!);
    }

    /// <summary>The node (1-based, from its connection's application name) holding the webhook's advisory lock.</summary>
    private static async Task<int> ClaimHolderAsync(string database)
    {
        var holder = 0;
        await WaitUntilAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
                "WHERE l.locktype = 'advisory' AND l.classid = 1330206291 AND l.granted " +
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection); // other tests' nodes share the server
            holder = await command.ExecuteScalarAsync() is string name ? int.Parse(name["node-".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            return holder > 0;
        }, "a node holds the webhook's claim");
        return holder;
    }

    private static async Task<List<(long Position, string Id)>> OutboxIdsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT position, id FROM events ORDER BY position", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<(long, string)>();
        while (await reader.ReadAsync())
        {
            ids.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return ids;
    }

    private static async Task<long> CursorAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT max(position) FROM event_cursors", connection);
        return await command.ExecuteScalarAsync() is long position ? position : 0;
    }

    /// <summary>A 1.5 s 320x240 clip with sound, published with <c>-c copy</c> (cheap on a loaded machine).</summary>
    private static async Task<string> MakeClipAsync()
    {
        var clip = Path.Combine(Path.GetTempPath(), $"openivs-flow-{Guid.NewGuid():N}.flv");
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
             "-t", "1.5", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac", "-f", "flv", clip])
        { RedirectStandardError = true })!;
        var error = await ffmpeg.StandardError.ReadToEndAsync();
        await ffmpeg.WaitForExitAsync();
        Assert.True(ffmpeg.ExitCode == 0, error);
        return clip;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Poll.TrueAsync(condition, Bound, what);
}
