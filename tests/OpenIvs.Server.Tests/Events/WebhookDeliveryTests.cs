using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary>The relay and the webhook sink against real HTTP receivers, through a real server.</summary>
public class WebhookDeliveryTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";

    [Fact]
    public async Task DeliversEveryEventInOrderWithItsIdAndAVerifiableSignature()
    {
        await using var receiver = await EventReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Events.Webhooks = receiver.Url.ToString();
            o.Events.WebhookSecret = "s3cret-for-tests";
        });

        var appended = new List<IvsEvent>();
        for (var commit = 0; commit < 3; commit++)
        {
            appended.AddRange(await AppendAsync(server, 10));
        }

        var events = await receiver.WaitForEventsAsync(30);
        Assert.Equal(appended.Select(e => e.Id), events.Select(e => (string?)e["id"]));
        Assert.Equal(appended.Select(e => e.ToJson().ToJsonString()), receiver.Accepted.Select(r => Encoding.UTF8.GetString(r.Body)));
        foreach (var request in receiver.Accepted)
        {
            Assert.StartsWith("application/json", request.Header("Content-Type"));
            Assert.Equal((string?)request.Json["id"], request.Header("X-OpenIVS-Event-Id"));
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("s3cret-for-tests"u8, request.Body));
            Assert.Equal(expected, request.Header("X-OpenIVS-Signature"));
        }

        var sink = Assert.Single(server.Services.GetRequiredService<EventRelay>().Sinks);
        var outbox = server.Services.GetRequiredService<IEventOutbox>();
        await Eventually.ReturnsAsync(() => outbox.GetCursorAsync(sink.Name, default), c => c == outbox.LastPosition, "cursor at the end");
    }

    [Fact]
    public async Task PythonsHttpServerAsAReceiverGetsEveryEventWithoutRetries()
    {
        // Python's http.server (HTTP/1.0: one answer per connection), the quickest webhook receiver a user writes.
        var port = TestServer.FreePort();
        var received = Path.Combine(TestServer.TempDirectory(), "received.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(received)!);
        var script = $$"""
            import http.server
            class Hook(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    with open("{{received}}", "ab") as f:
                        f.write(body + b"\n")
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer(("127.0.0.1", {{port}}), Hook).serve_forever()
            """;
        using var python = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", ["-c", script]))!;
        try
        {
            await Eventually.TrueAsync(() => CanConnect(port), "python's http.server to listen", TimeSpan.FromSeconds(30));
            var logs = new CapturingLoggerProvider();
            await using var server = await TestServer.StartAsync(o => o.Events.Webhooks = $"http://127.0.0.1:{port}/hook", logs: logs);

            var appended = await AppendAsync(server, 10);

            await Eventually.TrueAsync(() => File.Exists(received) && File.ReadAllLines(received).Length >= 10, "ten deliveries", TimeSpan.FromSeconds(60));
            Assert.Equal(appended.Select(e => e.Id), File.ReadAllLines(received).Select(l => (string?)System.Text.Json.Nodes.JsonNode.Parse(l)!["id"]));
            Assert.DoesNotContain(logs.Lines, l => l.Contains("not delivered", StringComparison.Ordinal));
        }
        finally
        {
            python.Kill();
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task RetriesAfterAnErrorAResetARedirectAndATimeoutWithoutLosingOrReordering()
    {
        await using var receiver = await EventReceiver.StartAsync();
        receiver.Respond = (_, n) => n switch
        {
            0 => ReceiverReply.ServerError,
            1 => ReceiverReply.Resets,
            2 => ReceiverReply.Redirect,
            3 => ReceiverReply.Hangs,
            _ => ReceiverReply.Ok,
        };
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.Webhooks = receiver.Url + "?token=secret-token";
                o.Events.RequestTimeout = TimeSpan.FromSeconds(1);
            },
            logs: logs);

        var appended = await AppendAsync(server, 5);

        var events = await receiver.WaitForEventsAsync(5, TimeSpan.FromSeconds(90));
        Assert.Equal(appended.Select(e => e.Id), events.Select(e => (string?)e["id"]));
        Assert.All(receiver.Received.Take(5), r => Assert.Equal(appended[0].Id, (string?)r.Json["id"]));
        Assert.DoesNotContain(receiver.Received, r => r.Path == "/redirected");
        Assert.Contains(logs.Lines, m => m.Contains("HTTP 500", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, m => m.Contains("redirects are not followed", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, m => m.Contains("secret-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHangingWebhookDelaysNeitherTheOtherWebhookNorTheApi()
    {
        await using var hanging = await EventReceiver.StartAsync();
        hanging.Respond = (_, _) => ReceiverReply.Hangs;
        await using var healthy = await EventReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Events.Webhooks = $"{hanging.Url},{healthy.Url}";
            o.Events.RequestTimeout = TimeSpan.FromMinutes(5);
        });

        var appended = await AppendAsync(server, 10);
        var events = await healthy.WaitForEventsAsync(10);
        await server.CallAsync("CreateChannel", """{"name":"while-hanging"}""").OkAsync();
        appended.AddRange(await AppendAsync(server, 10));
        events = await healthy.WaitForEventsAsync(20);

        Assert.Equal(appended.Select(e => e.Id), events.Select(e => (string?)e["id"]));
        Assert.Equal(appended[0].Id, (string?)Assert.Single(hanging.Received).Json["id"]);
    }

    [Fact]
    public async Task AnEventFailingForTheConfiguredTimeIsParkedAndTheSinkMovesOn()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var start = time.GetUtcNow();
        await using var receiver = await EventReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.Webhooks = receiver.Url.ToString();
                o.Events.ParkAfter = TimeSpan.FromHours(1);
            },
            time);
        string? doomedId = null;
        receiver.Respond = (request, _) => Volatile.Read(ref doomedId) is not { } id || (string?)request.Json["id"] == id ? ReceiverReply.ServerError : ReceiverReply.Ok;
        var doomed = Assert.Single(await AppendAsync(server, 1));
        Volatile.Write(ref doomedId, doomed.Id);
        var next = await AppendAsync(server, 2);
        var outbox = server.Services.GetRequiredService<IEventOutbox>();

        // Each step lets the relay's backoff delay expire on the fake clock.
        var parked = await Eventually.ReturnsAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return await outbox.ReadParkedAsync(null, 10, default);
            },
            p => p.Count > 0,
            "the failing event parked",
            TimeSpan.FromSeconds(120));

        var dead = Assert.Single(parked);
        Assert.Equal(doomed.Id, dead.Event.Id);
        Assert.Contains("HTTP 500", dead.Reason, StringComparison.Ordinal);
        Assert.True(dead.ParkedAt - start >= TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1), $"parked after {dead.ParkedAt - start}"); // stored in ms
        var events = await receiver.WaitForEventsAsync(2);
        Assert.Equal(next.Select(e => e.Id), events.Select(e => (string?)e["id"]));
        Assert.True(receiver.Received.Count(r => (string?)r.Json["id"] == doomed.Id) > 5);
    }

    [Fact]
    public async Task ARestartResumesFromTheCursorAndADeliveryNotMarkedIsRepeated()
    {
        var dataDirectory = TestServer.TempDirectory();
        await using var receiver = await EventReceiver.StartAsync();
        List<IvsEvent> first;
        string sink;
        await using (var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString(), dataDirectory: dataDirectory))
        {
            first = await AppendAsync(server, 3);
            await receiver.WaitForEventsAsync(3);
            sink = server.Services.GetRequiredService<EventRelay>().Sinks[0].Name;
            var outbox = server.Services.GetRequiredService<IEventOutbox>();
            await Eventually.ReturnsAsync(() => outbox.GetCursorAsync(sink, default), c => c == outbox.LastPosition, "cursor at the end");
        }

        // As if the process died after delivering the last two events but before marking them.
        await using (var store = new SqliteStateStore(Path.Combine(dataDirectory, "openivs.db")))
        {
            await store.InitializeAsync(default);
            var stored = await store.Outbox.ReadAsync(0, 10, null, default);
            await store.Outbox.SetCursorAsync(sink, stored[0].Position, default);
        }

        await using (var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString(), dataDirectory: dataDirectory))
        {
            var second = await AppendAsync(server, 1);
            var events = await receiver.WaitForEventsAsync(6);
            Assert.Equal(
                [first[0].Id, first[1].Id, first[2].Id, first[1].Id, first[2].Id, second[0].Id],
                events.Select(e => (string?)e["id"]));
        }
    }

    [Fact]
    public async Task EventsArePrunedAfterTheRetentionOnlyOnceEverySinkHasThem()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fast = await EventReceiver.StartAsync();
        await using var slow = await EventReceiver.StartAsync();
        var slowFails = true;
        slow.Respond = (_, _) => Volatile.Read(ref slowFails) ? ReceiverReply.ServerError : ReceiverReply.Ok;
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.Webhooks = $"{fast.Url},{slow.Url}";
                o.Events.ParkAfter = TimeSpan.FromDays(30);
                o.Events.Retention = TimeSpan.FromDays(7);
            },
            time);
        var relay = server.Services.GetRequiredService<EventRelay>();
        var outbox = server.Services.GetRequiredService<IEventOutbox>();
        await AppendAsync(server, 3);
        await fast.WaitForEventsAsync(3);

        time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(0, await relay.PruneOnceAsync(default));

        Volatile.Write(ref slowFails, false);
        await Eventually.ReturnsAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromMinutes(5));
                return await outbox.GetCursorAsync(relay.Sinks[1].Name, default);
            },
            c => c == outbox.LastPosition,
            "the slow sink caught up");
        Assert.Equal(3, await relay.PruneOnceAsync(default));
        Assert.Empty(await outbox.ReadAsync(0, 10, null, default));
    }

    /// <summary>Appends <paramref name="count"/> events in one commit, as the stream lifecycle does.</summary>
    internal static async Task<List<IvsEvent>> AppendAsync(TestServer server, int count, string channel = Channel)
    {
        var events = Enumerable.Range(0, count)
            .Select(i => IvsEvent.StreamState("Stream Start", "us-west-2", "000000000000", channel, "demo", $"st-{i}", server.Time.GetUtcNow()))
            .ToList();
        var store = server.Services.GetRequiredService<DocumentStore>();
        await using var write = await store.BeginWriteAsync(default);
        foreach (var e in events)
        {
            write.AppendEvent(e.ToOutbox());
        }

        await write.CommitAsync(default);
        return events;
    }
}
