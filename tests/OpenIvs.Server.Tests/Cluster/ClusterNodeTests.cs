using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Cluster;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Server.Tests.Cluster;

/// <summary>
/// Several nodes (servers in this process, each with its own data directory and the same master key) on one real
/// PostgreSQL: the live slot held cluster-wide, the quota over every node, a node cut off from the database (through
/// a proxy that fails like a network) refusing publishers and ending its streams after its lease while another node
/// closes their sessions once, and a restarted node closing only its own leftovers. Publishers are begun on the hub
/// directly, as the RTMP server does.
/// </summary>
public sealed class ClusterNodeTests
{
    [Fact]
    public async Task AWriteAcknowledgedOnOneNodeIsReadOnEveryOtherNodeAtOnce()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 3);
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await Eventually.ReturnsAsync(
                async () =>
                {
                    await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM cluster_nodes WHERE lease_expires > now()", connection);
                    return (long)(await count.ExecuteScalarAsync())!;
                },
                n => n == 3,
                "the three nodes hold leases");
        }

        // No waiting between a write's answer and the reads: every node must already have it.
        for (var i = 0; i < 12; i++)
        {
            var writer = nodes[i % 3];
            var readers = new[] { nodes[(i + 1) % 3], nodes[(i + 2) % 3] };
            var arn = (string)(await writer.CallAsync("CreateChannel", $$$"""{"name":"c{{{i}}}","tags":{"round":"{{{i}}}"}}""").OkAsync())["channel"]!["arn"]!;
            foreach (var reader in readers)
            {
                var channel = await reader.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""").OkAsync();
                Assert.Equal($"c{i}", (string)channel["channel"]!["name"]!);
            }

            await writer.CallAsync("UpdateChannel", $$"""{"arn":"{{arn}}","name":"renamed{{i}}"}""").OkAsync();
            foreach (var reader in readers)
            {
                Assert.Equal($"renamed{i}", (string)(await reader.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""").OkAsync())["channel"]!["name"]!);
            }

            await readers[0].CallAsync("DeleteChannel", $$"""{"arn":"{{arn}}"}""").OkAsync(204);
            foreach (var node in new[] { writer, readers[1] })
            {
                var gone = await node.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""");
                Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
            }
        }
    }

    [Fact]
    public async Task APublisherHoldsItsChannelOnEveryNodeTheQuotaCountsEveryNodeAndOtherNodesLocateTheStream()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 3, o => o.Quotas.ConcurrentStreams = 2);
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var keys = new List<(string Arn, string Key)>();
        for (var i = 0; i < 3; i++)
        {
            var created = await a.CallAsync("CreateChannel", $$"""{"name":"ch{{i}}"}""").OkAsync();
            keys.Add(((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!));
        }

        await Eventually.TrueAsync(() => c.Services.GetRequiredService<Resources.ResourceTables>().Channels.Count == 3, "node c has the channels");

        // The same channel from every node at once: exactly one publisher gets it.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => BeginAsync(nodes[i % 3], keys[0].Key)));
        var winner = Assert.Single(attempts, r => r.Accepted);
        Assert.All(attempts.Where(r => !r.Accepted), r => Assert.Equal(PublishRefusal.AlreadyLive, r.Refusal));
        var holder = nodes.Single(n => n.Services.GetRequiredService<IStreamHub>().Find(keys[0].Arn) is not null);
        var others = nodes.Where(n => n != holder).ToList();

        // The other nodes locate it, with its holder's address and the viewers of every node summed.
        winner.Stream!.ViewerCount = 3;
        others[0].Services.GetRequiredService<RelayedViewerCounts>().Set(keys[0].Arn, 4);
        var holderId = holder.Services.GetRequiredService<NodeIdentity>().Value;
        foreach (var node in others)
        {
            var remote = await Eventually.ReturnsAsync(
                () => Task.FromResult(node.Services.GetRequiredService<IStreamLocator>().FindRemote(keys[0].Arn)),
                r => r is { Stream.ViewerCount: 7 }, $"{node.Options.Cluster.NodeId} locates the stream with 7 viewers");
            Assert.Equal(holderId, remote!.NodeId);
            Assert.Equal(winner.Stream.StreamId, remote.StreamId);
            Assert.Equal(holder.BaseAddress.Port, remote.AdvertiseUrl.Port);
            Assert.Equal(7, remote.Stream.ViewerCount);
            Assert.Equal("LIVE", remote.Stream.State?.Value);
            Assert.Single(node.Services.GetRequiredService<IStreamLocator>().RemoteStreams);
        }

        Assert.Null(holder.Services.GetRequiredService<IStreamLocator>().FindRemote(keys[0].Arn));

        // A second channel on another node is within the quota of 2; a third channel anywhere is not.
        var second = await BeginAsync(others[0], keys[1].Key);
        Assert.True(second.Accepted, second.Refusal.ToString());
        foreach (var node in new[] { a, b, c })
        {
            Assert.Equal(PublishRefusal.ConcurrentBroadcastsQuota, (await BeginAsync(node, keys[2].Key)).Refusal);
        }

        // Once the first stream ends its channel is free again, on any node, at once.
        await EndAsync(holder, winner.Stream);
        var again = await Eventually.ReturnsAsync(() => BeginAsync(others[1], keys[0].Key), r => r.Accepted, "the channel goes live on another node", TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => holder.Services.GetRequiredService<IStreamLocator>().FindRemote(keys[0].Arn)?.StreamId == again.Stream!.StreamId, "the old holder locates the new stream");
    }

    [Fact]
    public async Task ANodeCutOffFromTheDatabaseRefusesPublishersEndsItsStreamsAfterItsLeaseAndAnotherNodeClosesTheirSessionsOnce()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 1);
        var a = nodes[0];
        var port = await PostgresTcpPortAsync(database);
        await using var proxy = new OutageProxy(new Uri($"tcp://127.0.0.1:{port}"));
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(database) { Host = "127.0.0.1", Port = new Uri(proxy.Address).Port }.ConnectionString;
        var b = await nodes.AddAsync(throughProxy);

        var created = await a.CallAsync("CreateChannel", """{"name":"cut"}""").OkAsync();
        var (arn, key) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!);
        var other = (string)(await a.CallAsync("CreateChannel", """{"name":"other"}""").OkAsync())["streamKey"]!["value"]!;
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<Resources.ResourceTables>().Channels.Count == 2, "node b has the channels");
        var onB = await BeginAsync(b, key);
        Assert.True(onB.Accepted, onB.Refusal.ToString());
        var stream = onB.Stream!;
        await Eventually.TrueAsync(() => a.Services.GetRequiredService<StreamTables>().Sessions.TryGet(stream.StreamId, out _), "node b's session is stored");
        Assert.Equal("ok", (string?)(await HealthAsync(b))["status"]);

        proxy.GoDown();
        var down = await Eventually.ReturnsAsync(() => HealthAsync(b), h => (bool?)h["databaseReachable"] == false, "node b reports the database lost");
        Assert.Equal("unavailable", (string?)down["status"]);
        Assert.Equal(PublishRefusal.NodeUnavailable, (await BeginAsync(b, other)).Refusal);

        // After its lease node b ends its own stream, and node a closes the session (Session Ended, once) and takes the channel.
        await stream.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(StreamEndKind.NodeLost, stream.EndRequest?.Kind);
        await Eventually.TrueAsync(
            () => a.Services.GetRequiredService<StreamTables>().Sessions.TryGet(stream.StreamId, out var s) && s.EndTime is not null, "node a closes node b's session");
        var onA = await BeginAsync(a, key);
        Assert.True(onA.Accepted, onA.Refusal.ToString());

        // Back: node b admits publishers again by itself, and its own record of the end adds no second Session Ended.
        proxy.ComeBack();
        await Eventually.ReturnsAsync(() => HealthAsync(b), h => (string?)h["status"] == "ok", "node b recovers", TimeSpan.FromSeconds(60));
        await stream.EndRecorded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(PublishRefusal.AlreadyLive, (await BeginAsync(b, key)).Refusal);
        var onBAgain = await BeginAsync(b, other);
        Assert.True(onBAgain.Accepted, onBAgain.Refusal.ToString());
        var ended = (await a.OutboxEventsAsync()).Where(e => (string?)e["detail"]!["stream_id"] == stream.StreamId).Select(e => (string?)e["detail"]!["event_name"]).ToList();
        Assert.Equal(1, ended.Count(n => n == "Session Ended"));
        Assert.Equal("Session Created", ended[0]);
    }

    [Fact]
    public async Task ARestartedNodeClosesItsOwnLeftoverSessionsButNotTheSessionsOfLiveNodes()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();

        // A long lease: node a must not close node b's leftovers first; node b does it when it starts again.
        await using var nodes = await Nodes.StartAsync(database, 1, o => o.Cluster.NodeLease = TimeSpan.FromSeconds(60));
        var a = nodes[0];
        var port = await PostgresTcpPortAsync(database);
        await using var proxy = new OutageProxy(new Uri($"tcp://127.0.0.1:{port}"));
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(database) { Host = "127.0.0.1", Port = new Uri(proxy.Address).Port }.ConnectionString;
        var bDirectory = TestServer.TempDirectory();
        var b = await nodes.AddAsync(throughProxy, bDirectory);
        var keyA = (string)(await a.CallAsync("CreateChannel", """{"name":"on-a"}""").OkAsync())["streamKey"]!["value"]!;
        var keyB = (string)(await a.CallAsync("CreateChannel", """{"name":"on-b"}""").OkAsync())["streamKey"]!["value"]!;
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<Resources.ResourceTables>().Channels.Count == 2, "node b has the channels");
        var onA = (await BeginAsync(a, keyA)).Stream!;
        var onB = (await BeginAsync(b, keyB)).Stream!;
        var sessions = a.Services.GetRequiredService<StreamTables>().Sessions;
        await Eventually.TrueAsync(() => sessions.TryGet(onA.StreamId, out _) && sessions.TryGet(onB.StreamId, out _), "both sessions are stored");

        // Node b "crashes": cut off, then stopped, so nothing of its end reaches the database.
        proxy.GoDown();
        await nodes.RemoveAsync(b);
        proxy.ComeBack();
        Assert.True(sessions.TryGet(onB.StreamId, out var left) && left.EndTime is null);

        await using var restarted = await Nodes.StartNodeAsync(database, bDirectory, "node-1", o => o.Cluster.NodeLease = TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => sessions.TryGet(onB.StreamId, out var s) && s.EndTime is not null, "node b closes its own leftover session");
        Assert.True(sessions.TryGet(onA.StreamId, out var live) && live.EndTime is null, "node a's session stays open");
        Assert.Same(onA, a.Services.GetRequiredService<IStreamHub>().Find(onA.ChannelArn));
        Assert.Equal(onA.StreamId, restarted.Services.GetRequiredService<IStreamLocator>().FindRemote(onA.ChannelArn)?.StreamId);
    }

    [Fact]
    public async Task OneNodeIdentityNamesTheLeaseTheSlotTheSessionTheSignatureAndTheHealthReport()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 1);
        var node = nodes[0];
        var identity = node.Services.GetRequiredService<NodeIdentity>();
        Assert.Equal("node-0", identity.Value);
        Assert.Equal(identity.Value, node.Services.GetRequiredService<NodeLease>().NodeId);
        Assert.Equal(identity.Value, node.Services.GetRequiredService<OpenIvs.Server.Auth.NodeSignature>().NodeId);
        Assert.Equal(identity.Value, (string?)(await HealthAsync(node))["nodeId"]);

        var key = (string)(await node.CallAsync("CreateChannel", """{"name":"who"}""").OkAsync())["streamKey"]!["value"]!;
        var stream = (await BeginAsync(node, key)).Stream!;
        var sessions = node.Services.GetRequiredService<StreamTables>().Sessions;
        await Eventually.TrueAsync(() => sessions.TryGet(stream.StreamId, out _), "the session is stored");
        Assert.True(sessions.TryGet(stream.StreamId, out var session));
        Assert.Equal(identity.Value, session.NodeId);
        Assert.Equal([identity.Value], await ColumnAsync(database, "SELECT node_id FROM live_slots"));
        Assert.Equal([identity.Value], await ColumnAsync(database, "SELECT node_id FROM cluster_nodes"));
    }

    [Fact]
    public async Task ViewersRelayedByAnyNodeCountInGetStreamAndListStreamsOnEveryNode()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 3);
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var created = await a.CallAsync("CreateChannel", """{"name":"watched"}""").OkAsync();
        var (arn, key) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!);
        await Eventually.TrueAsync(() => c.Services.GetRequiredService<Resources.ResourceTables>().Channels.Count == 1, "node c has the channel");
        Assert.True((await BeginAsync(a, key)).Accepted);

        // Nobody watches on the holder; b and c relay (what their relays set). One path: the heartbeat's report.
        var onB = b.Services.GetRequiredService<RelayedViewerCounts>();
        var onC = c.Services.GetRequiredService<RelayedViewerCounts>();
        onB.Set(arn, 4);
        onC.Set(arn, 2);
        async Task<string> ViewersAsync()
        {
            var counts = new List<string>();
            foreach (var node in new[] { a, b, c })
            {
                var get = (long?)(await Ingest.IngestTests.GetStreamAsync(node, arn))?["viewerCount"];
                var listed = (long?)(await node.CallAsync("ListStreams").OkAsync())["streams"]!.AsArray().SingleOrDefault()?["viewerCount"];
                counts.Add($"{get}/{listed}");
            }

            return string.Join(" ", counts);
        }

        await Eventually.ReturnsAsync(ViewersAsync, v => v == "6/6 6/6 6/6", "every node to count 4 + 2 relayed viewers");
        onB.Set(arn, 0);
        await Eventually.ReturnsAsync(ViewersAsync, v => v == "2/2 2/2 2/2", "every node to drop node b's viewers once they left");
    }

    [Fact]
    public async Task TheViewerLimitCountsEveryNodesViewersAndTheClusterReportsOneBreachPerEpisode()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 2, o => o.Playback.MaxViewersPerChannel = 2);
        var (a, b) = (nodes[0], nodes[1]);
        var created = await a.CallAsync("CreateChannel", """{"insecureIngest":true}""").OkAsync();
        var arn = (string)created["channel"]!["arn"]!;
        var path = new Uri((string)created["channel"]!["playbackUrl"]!).AbsolutePath;
        var (onA, onB) = (new Uri(a.BaseAddress, path).ToString(), new Uri(b.BaseAddress, path).ToString());
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<Resources.ResourceTables>().Channels.Count == 1, "node b has the channel");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), Ingest.IngestTests.RtmpUrl(a, (string)created["streamKey"]!["value"]!));
        await Ingest.IngestTests.WaitUntilStartedAsync(a, arn);

        // One viewer on the holder, one on the relay: each node learns of the other's from its heartbeat.
        await Playback.PlaybackTests.WaitForPlaylistAsync(a, onA);
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<IStreamLocator>().ViewersElsewhere(arn) == 1, "node b to learn of a's viewer", TimeSpan.FromSeconds(60));
        await Playback.PlaybackTests.WaitForPlaylistAsync(b, onB);
        await Eventually.TrueAsync(() => a.Services.GetRequiredService<IStreamLocator>().ViewersElsewhere(arn) == 1, "node a to learn of b's viewer", TimeSpan.FromSeconds(60));

        // Two viewers in the cluster: a third is refused on either node, though each node alone has one.
        foreach (var (node, url) in new[] { (a, onA), (b, onB), (a, onA) })
        {
            using var refused = await node.Http.GetAsync(url);
            Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // Both nodes refused: the first refusal opened the episode (and reported it), the other one found it open.
        var episodes = new[] { a, b }.Select(n => (ClusterBreachEpisodes)n.Services.GetRequiredService<OpenIvs.Server.Playback.IViewerBreachEpisodes>()).ToList();
        await Eventually.TrueAsync(() => episodes.All(e => e.Settled >= 1), "both nodes to have shared their refusals");
        Assert.Equal(1, episodes.Sum(e => e.Raised));
        var breaches = await a.UntilStoredAsync(
            async () => (await a.OutboxEventsAsync()).Where(e => (string?)e["detail"]?["limit_name"] == "Concurrent Viewers").ToList(),
            e => e.Count >= 1, "the breach");
        var breach = Assert.Single(breaches);
        Assert.Equal(2, (long)breach["detail"]!["limit_value"]!);
        Assert.Equal(1, (long)breach["detail"]!["exceeded_by"]!);
    }

    [Fact]
    public async Task RowsOfNodesDeadLongerThanTheRetentionAreDeletedOnceTheyLeftNothingOpen()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var nodes = await Nodes.StartAsync(database, 1);
        await ExecuteAsync(database, """
            INSERT INTO cluster_nodes (node_id, advertise_url, incarnation, started_at, heartbeat_at, lease_expires) VALUES
              ('gone-long', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 days', now() - interval '2 days'),
              ('gone-long-with-slot', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 days', now() - interval '2 days'),
              ('gone-lately', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 hours', now() - interval '2 hours');
            INSERT INTO live_slots VALUES ('arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD0000', 'gone-long-with-slot', 'st-x', now() - interval '2 days');
            SELECT pg_notify('openivs_cluster', '');
            """);

        // The node first frees the dead node's slot (closing its sessions), then deletes both long-dead rows.
        await Eventually.ReturnsAsync(
            () => ColumnAsync(database, "SELECT node_id FROM cluster_nodes ORDER BY node_id"),
            ids => ids.SequenceEqual(["gone-lately", "node-0"]), "the long-dead nodes' rows to go");
        Assert.Empty(await ColumnAsync(database, "SELECT node_id FROM live_slots"));
    }

    [Fact]
    public async Task PruningSparesANodeWithALiveSlotOrAnOpenSessionAndOneDeadForLessThanTheRetention()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var store = new OpenIvs.Server.Storage.Postgres.PostgresStateStore(database);
        await store.InitializeAsync(default);
        await ExecuteAsync(database, """
            INSERT INTO cluster_nodes (node_id, advertise_url, incarnation, started_at, heartbeat_at, lease_expires) VALUES
              ('old', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 days', now() - interval '2 days'),
              ('old-slot', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 days', now() - interval '2 days'),
              ('recent', 'http://127.0.0.1:1/', 'x', now() - interval '3 days', now() - interval '2 hours', now() - interval '2 hours');
            INSERT INTO live_slots VALUES ('arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD0000', 'old-slot', 'st-x', now());
            """);
        var registry = new NodeRegistry(store, new NodeLease(new ClusterOptions(), new NodeIdentity("pruner"), TimeProvider.System));

        Assert.Equal(["old"], await registry.PruneAsync(["old", "old-slot", "recent"], TimeSpan.FromDays(1), default));
        Assert.Equal(["old-slot", "recent"], await ColumnAsync(database, "SELECT node_id FROM cluster_nodes ORDER BY node_id"));

        // A dead node whose session is still open (its end not stored yet) is not even asked for.
        StreamSessionRecord Session(string node, DateTimeOffset? end) => new()
        {
            StreamId = "st-" + Guid.NewGuid().ToString("N")[..23], ChannelArn = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD0000",
            StartTime = DateTimeOffset.UtcNow, EndTime = end, NodeId = node, Channel = new Protocol.Model.Channel(), Events = [],
        };
        Assert.Equal(["closed"], ClusterNode.Prunable(["open", "closed"], [Session("open", null), Session("closed", DateTimeOffset.UtcNow), Session("open", DateTimeOffset.UtcNow)]));
    }

    internal static async Task<List<string>> ColumnAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    internal static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PublishResult> BeginAsync(TestServer node, string streamKey)
    {
        var hub = node.Services.GetRequiredService<IStreamHub>();
        LiveStream? stream = null;

        // What a protocol server does when the service ends a stream: its connection closes and it ends the stream.
        var result = await hub.TryBeginAsync(streamKey, IngestTransport.Rtmps, () => Task.Run(() => hub.End(stream!, StreamEndReason.PublisherLeft("closed"))), CancellationToken.None);
        stream = result.Stream;
        return result;
    }

    private static async Task EndAsync(TestServer node, LiveStream stream)
    {
        node.Services.GetRequiredService<IStreamHub>().End(stream, StreamEndReason.PublisherLeft("test"));
        await stream.EndRecorded.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<JsonNode> HealthAsync(TestServer node)
    {
        using var response = await node.Http.GetAsync("/health");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    internal static async Task<int> PostgresTcpPortAsync(string database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT current_setting('port')::int", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Nodes on one database, sharing the first node's master key; node ids node-0, node-1, ...</summary>
    private sealed class Nodes : IAsyncDisposable
    {
        private readonly List<TestServer> _nodes = [];
        private readonly Action<OpenIvsOptions>? _configure;
        private string? _masterKey;

        private Nodes(Action<OpenIvsOptions>? configure) => _configure = configure;

        public TestServer this[int index] => _nodes[index];

        public static async Task<Nodes> StartAsync(string database, int count, Action<OpenIvsOptions>? configure = null)
        {
            var nodes = new Nodes(configure);
            for (var i = 0; i < count; i++)
            {
                await nodes.AddAsync(database);
            }

            return nodes;
        }

        public IEnumerable<TestServer> Where(Func<TestServer, bool> predicate) => _nodes.Where(predicate);

        public TestServer Single(Func<TestServer, bool> predicate) => _nodes.Single(predicate);

        public async Task<TestServer> AddAsync(string database, string? directory = null)
        {
            directory ??= TestServer.TempDirectory();
            if (_masterKey is not null)
            {
                File.Copy(_masterKey, Path.Combine(directory, "master.key"), overwrite: true);
                File.Copy(Path.Combine(Path.GetDirectoryName(_masterKey)!, "credentials"), Path.Combine(directory, "credentials"), overwrite: true);
            }

            var node = await StartNodeAsync(database, directory, $"node-{_nodes.Count}", _configure);
            _masterKey ??= Path.Combine(directory, "master.key");
            _nodes.Add(node);
            return node;
        }

        public static Task<TestServer> StartNodeAsync(string database, string directory, string nodeId, Action<OpenIvsOptions>? configure) =>
            TestServer.StartAsync(
                o =>
                {
                    o.Storage.Postgres = database;
                    o.Cluster.NodeId = nodeId;
                    o.Cluster.NodeLease = TimeSpan.FromSeconds(3);
                    o.Ingest.IdleTimeout = TimeSpan.FromMinutes(5); // these publishers send no media
                    configure?.Invoke(o);
                },
                dataDirectory: directory);

        public async Task RemoveAsync(TestServer node)
        {
            _nodes.Remove(node);
            await node.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
