using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using PostgresCluster = OpenIvs.Tests.Shared.PostgresCluster;

namespace OpenIvs.IntegrationTests.Cluster;

/// <summary>
/// Three <c>openivs serve</c> processes on loopback sharing one real PostgreSQL (and the master key, copied from the
/// first node): reads on every node, a quota across nodes, a real ffmpeg publisher holding its channel on node 2 while
/// node 3 refuses a second one, <c>kill -9</c> of node 2 ending its stream within the lease (Stream End and Session
/// Ended delivered once to the webhook every node shares) with the publisher's reconnect taken by node 3, and node 2
/// restarted against the database rejoining without closing node 3's session.
/// </summary>
public sealed partial class ClusterProcessTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ThreeNodesShareStateAndLiveSlotsAndANodeKilledMidStreamIsReplacedWithinItsLease()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        using var webhook = new WebhookReceiver();
        var directories = Enumerable.Range(0, 3).Select(_ => Directory.CreateTempSubdirectory("openivs-cluster-").FullName).ToArray();
        var config = Path.Combine(directories[0], "..", $"openivs-cluster-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """{"Quotas":{"Channels":10}}""");
        var nodes = new ServerProcess?[3];
        var publishers = new List<Process>();
        try
        {
            nodes[0] = await ServerProcess.StartAsync(Options(directories[0], 0, database, config, webhook.Url));
            foreach (var directory in directories[1..])
            {
                File.Copy(Path.Combine(directories[0], "master.key"), Path.Combine(directory, "master.key"));
            }

            var started = await Task.WhenAll(Enumerable.Range(1, 2).Select(i => ServerProcess.StartAsync(Options(directories[i], i, database, config, webhook.Url))));
            (nodes[1], nodes[2]) = (started[0], started[1]);
            var (n1, n2, n3) = (nodes[0]!, nodes[1]!, nodes[2]!);
            Assert.Equal("node-2", (string?)(await HealthAsync(n2))["nodeId"]);
            Assert.Equal("postgres", (string?)(await HealthAsync(n2))["store"]);

            // Created on node 1, read on nodes 2 and 3 at once.
            var created = (await CallAsync(n1, "CreateChannel", """{"name":"live","insecureIngest":true}""")).Json!;
            var arn = (string)created["channel"]!["arn"]!;
            var key = (string)created["streamKey"]!["value"]!;
            var reads = await Task.WhenAll(new[] { n2, n3 }.Select(n => UntilAsync(() => CallAsync(n, "GetChannel", $$"""{"arn":"{{arn}}"}"""), r => r.Status == 200, TimeSpan.FromSeconds(5))));
            Assert.All(reads, r => Assert.Equal("live", (string?)r.Json!["channel"]!["name"]));

            // 30 concurrent creates over the three nodes against a quota of 10 channels: exactly 9 more.
            var creates = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => CallAsync(nodes[i % 3]!, "CreateChannel", $$"""{"name":"q{{i}}"}""")));
            Assert.Equal(9, creates.Count(r => r.Status == 200));
            Assert.All(creates.Where(r => r.Status != 200), r => Assert.Equal(402, r.Status));

            // A publisher on node 2 holds the channel; a second one on node 3 is refused.
            publishers.Add(Publish(n2, key));
            var stream = await UntilAsync(() => CallAsync(n2, "GetStream", $$"""{"channelArn":"{{arn}}"}"""), r => r.Status == 200, TimeSpan.FromSeconds(30));
            var streamId = (string)stream.Json!["stream"]!["streamId"]!;
            await UntilAsync(() => SessionAsync(n1, arn, streamId), s => s.Text.Contains("\"Stream Start\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            var second = Publish(n3, key);
            publishers.Add(second);
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)), "the second publisher is refused (its connection closed)");
            Assert.NotEqual(0, second.ExitCode);
            Assert.Equal(streamId, (string?)(await CallAsync(n2, "GetStream", $$"""{"channelArn":"{{arn}}"}""")).Json!["stream"]!["streamId"]);
            // Node 3 answers for the stream node 2 holds (the holder's state, as its heartbeat published it).
            var elsewhere = await UntilAsync(() => CallAsync(n3, "GetStream", $$"""{"channelArn":"{{arn}}"}"""), r => r.Status == 200, TimeSpan.FromSeconds(30));
            Assert.Equal(streamId, (string?)elsewhere.Json!["stream"]!["streamId"]);

            // kill -9 of node 2: a surviving node ends its stream within the lease.
            var killed = Stopwatch.StartNew();
            n2.Kill();
            await UntilAsync(() => SessionAsync(n1, arn, streamId), s => s.Json?["streamSession"]?["endTime"] is not null, Lease * 3);
            var failover = killed.Elapsed;
            Assert.True(failover < Lease + TimeSpan.FromSeconds(5), $"the stream ended {failover.TotalSeconds:0.0} s after the kill");
            var names = (await SessionAsync(n3, arn, streamId)).Json!["streamSession"]!["truncatedEvents"]!.AsArray().Select(e => (string?)e!["name"]).ToList();
            Assert.Contains("Stream End", names);
            Assert.Contains("Session Ended", names);

            // The publisher reconnects to node 3: accepted.
            publishers.Add(Publish(n3, key));
            var moved = await UntilAsync(() => CallAsync(n3, "GetStream", $$"""{"channelArn":"{{arn}}"}"""), r => r.Status == 200, TimeSpan.FromSeconds(30));
            var movedId = (string)moved.Json!["stream"]!["streamId"]!;
            Assert.NotEqual(streamId, movedId);

            // Every event of the killed stream reached the shared webhook exactly once.
            await UntilAsync(() => Task.FromResult(webhook.StateChanges(streamId)), e => e.Contains("Session Ended"), TimeSpan.FromSeconds(30));
            Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], webhook.StateChanges(streamId));

            // Node 2 restarted against the database rejoins, and node 3's live session stays open.
            nodes[1] = await ServerProcess.StartAsync(Options(directories[1], 1, database, config, webhook.Url));
            Assert.Equal("ok", (string?)(await HealthAsync(nodes[1]!))["status"]);
            await Task.Delay(Lease / 2); // a few heartbeats of the rejoined node: it must not have closed anything
            Assert.Null((await SessionAsync(n1, arn, movedId)).Json!["streamSession"]!["endTime"]);
            Assert.Equal(movedId, (string?)(await CallAsync(n3, "GetStream", $$"""{"channelArn":"{{arn}}"}""")).Json!["stream"]!["streamId"]);
            Console.WriteLine($"cluster failover: kill -9 to Session Ended stored on a surviving node in {failover.TotalSeconds:0.00} s (lease {Lease.TotalSeconds} s)");
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                if (!publisher.HasExited)
                {
                    publisher.Kill(entireProcessTree: true);
                }

                publisher.Dispose();
            }

            foreach (var node in nodes)
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }

            File.Delete(config);
            foreach (var directory in directories)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static ServerOptions Options(string directory, int index, string database, string config, string webhook) => new()
    {
        DataDirectory = directory,
        ExtraArguments = ["--postgres", database, "--node-id", $"node-{index + 1}", "--node-lease", Lease.ToString(), "--config", config, "--webhook", webhook],
    };

    private static Process Publish(ServerProcess node, string key) =>
        Process.Start(new ProcessStartInfo("ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "flv", $"rtmp://127.0.0.1:{node.RtmpPort}/app/{key}"])
        { RedirectStandardError = true, RedirectStandardOutput = true })!;

    private static Task<RawResponse> CallAsync(ServerProcess node, string operation, string json) =>
        RawHttp.SendAsync(node.Endpoint, RawRequest.Json("POST", "/" + operation, json));

    private static Task<RawResponse> SessionAsync(ServerProcess node, string arn, string streamId) =>
        CallAsync(node, "GetStreamSession", $$"""{"channelArn":"{{arn}}","streamId":"{{streamId}}"}""");

    private static async Task<JsonNode> HealthAsync(ServerProcess node)
    {
        using var client = new HttpClient();
        return JsonNode.Parse(await client.GetStringAsync(new Uri(node.Endpoint, "/health")))!;
    }

    private static Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within) => Poll.UntilAsync(probe, done, within);
}
