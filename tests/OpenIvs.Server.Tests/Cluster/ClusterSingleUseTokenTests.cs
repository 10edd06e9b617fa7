using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Server.Cluster;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Tests.Shared;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Cluster;

/// <summary>
/// Single-use playback tokens (<c>aws:single-use-uuid</c>) on two real nodes sharing one PostgreSQL: node B holds the
/// stream (a real ffmpeg publisher), node A relays it; a token starts one session in the whole cluster, whichever
/// node it is shown to, also after the node that spent it restarted; a node cut off from the database refuses
/// single-use tokens (fail closed) without spending them; spent ids are pruned once no node accepts their tokens.
/// </summary>
public sealed class ClusterSingleUseTokenTests
{
    [Fact]
    public async Task ASingleUseTokenStartsOneSessionInTheWholeClusterAlsoAfterTheNodeThatSpentItRestarted()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        var (aDirectory, bDirectory) = (TestServer.TempDirectory(), TestServer.TempDirectory());
        await using var b = await StartNodeAsync(database, bDirectory, "node-b");
        foreach (var file in new[] { "master.key", "credentials" })
        {
            File.Copy(Path.Combine(bDirectory, file), Path.Combine(aDirectory, file));
        }

        // Node A reaches the database through a proxy that can fail like a network.
        await using var proxy = new OutageProxy(new Uri($"tcp://127.0.0.1:{await ClusterNodeTests.PostgresTcpPortAsync(database)}"));
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(database) { Host = "127.0.0.1", Port = new Uri(proxy.Address).Port }.ConnectionString;
        var a = await StartNodeAsync(throughProxy, aDirectory, "node-a");
        try
        {
            using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            await b.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
            var created = await b.CallAsync("CreateChannel", """{"insecureIngest":true,"authorized":true}""").OkAsync();
            var arn = (string)created["channel"]!["arn"]!;
            var path = new Uri((string)created["channel"]!["playbackUrl"]!).AbsolutePath;
            await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(b, (string)created["streamKey"]!["value"]!));
            await WaitUntilStartedAsync(b, arn);
            using var signer = new PlaybackTokenSigner(playbackKey);
            string Token(string? singleUse) =>
                signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5), SingleUseId = singleUse });
            string Url(TestServer node, string token) => PlaybackTokenSigner.AuthorizeUrl(new Uri(node.BaseAddress, path).ToString(), token);

            // Both nodes play the channel (A relays it from B) with tokens that are not single-use, as often as asked.
            await Playback.PlaybackTests.WaitForPlaylistAsync(b, Url(b, Token(null)));
            await Playback.PlaybackTests.WaitForPlaylistAsync(a, Url(a, Token(null)));

            // Spent on A (a relayed session): refused on B (the holder) and on A again.
            var first = Token(Guid.NewGuid().ToString());
            await AssertPlaysAsync(a, Url(a, first));
            await AssertRefusedAsync(b, Url(b, first), "single-use token has already been used");
            await AssertRefusedAsync(a, Url(a, first), "single-use token has already been used");

            // Spent on B: refused on A.
            var second = Token(Guid.NewGuid().ToString());
            await AssertPlaysAsync(b, Url(b, second));
            await AssertRefusedAsync(a, Url(a, second), "single-use token has already been used");

            // A restarts (its memory of spent ids is gone): the database still knows both; a new token plays.
            await a.DisposeAsync();
            a = await StartNodeAsync(throughProxy, aDirectory, "node-a");
            await Playback.PlaybackTests.WaitForPlaylistAsync(a, Url(a, Token(null)));
            await AssertRefusedAsync(a, Url(a, first), "single-use token has already been used");
            await AssertRefusedAsync(a, Url(a, second), "single-use token has already been used");
            await AssertRefusedAsync(b, Url(b, first), "single-use token has already been used");
            await AssertPlaysAsync(a, Url(a, Token(Guid.NewGuid().ToString())));

            // A cut off from the database refuses a single-use token rather than risk a second session, and leaves it
            // unspent: once the database is back the token plays (once).
            var fourth = Token(Guid.NewGuid().ToString());
            proxy.GoDown();
            await AssertRefusedAsync(a, Url(a, fourth), "single-use token cannot be checked now");
            proxy.ComeBack();
            await Eventually.ReturnsAsync(
                async () =>
                {
                    using var response = await a.Http.GetAsync(Url(a, fourth));
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.DoesNotContain("already been used", body);
                    return response.StatusCode;
                },
                status => status == HttpStatusCode.OK, "the token to play once node A reaches the database again");
            await AssertRefusedAsync(b, Url(b, fourth), "single-use token has already been used");

            Assert.Equal(["node-a", "node-b", "node-a", "node-a"], await ClusterNodeTests.ColumnAsync(database, "SELECT node_id FROM playback_single_use_ids ORDER BY spent_at"));
        }
        finally
        {
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task SpentIdsAreKeptPerSigningKeyAndPrunedOnceNoNodeAcceptsTheirTokens()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var store = new PostgresStateStore(database);
        await store.InitializeAsync(default);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = new ClusterSingleUseIds(store, new NodeIdentity("a"), clock, NullLogger<ClusterSingleUseIds>.Instance);
        var b = new ClusterSingleUseIds(store, new NodeIdentity("b"), clock, NullLogger<ClusterSingleUseIds>.Instance);
        var now = DateTimeOffset.UtcNow;

        // keep_until is the token's expiry plus the skew; rows stay the clock margin (1 minute) longer.
        Assert.Equal(SingleUseSpend.Spent, await a.SpendAsync("key-1", "expired", now - TimeSpan.FromMinutes(2), default));
        Assert.Equal(SingleUseSpend.Spent, await a.SpendAsync("key-1", "recent", now - TimeSpan.FromSeconds(10), default));
        Assert.Equal(SingleUseSpend.Spent, await a.SpendAsync("key-1", "valid", now + TimeSpan.FromMinutes(5), default));
        Assert.Equal(SingleUseSpend.AlreadySpent, await b.SpendAsync("key-1", "valid", now + TimeSpan.FromMinutes(5), default));
        Assert.Equal(SingleUseSpend.Spent, await b.SpendAsync("key-2", "valid", now + TimeSpan.FromMinutes(5), default)); // another key's id
        Assert.True(b.IsKnownSpent("key-1", "valid"));
        Assert.False(b.IsKnownSpent("key-1", "recent"));
        Assert.Equal(4, await CountAsync(database));

        // A sweep prunes at most once a minute (of the node's clock), in the background.
        b.Sweep();
        Assert.Equal(4, await CountAsync(database));
        clock.Advance(TimeSpan.FromMinutes(1));
        b.Sweep();
        await Eventually.ReturnsAsync(() => CountAsync(database), n => n == 3, "the expired id's row to be pruned");
        Assert.Equal(["key-1 a", "key-1 a", "key-2 b"], await ClusterNodeTests.ColumnAsync(database, "SELECT key_id || ' ' || node_id FROM playback_single_use_ids ORDER BY key_id, node_id"));
        Assert.Equal(0, await a.PruneAsync(default));
    }

    private static Task<TestServer> StartNodeAsync(string database, string directory, string nodeId) =>
        TestServer.StartAsync(
            o =>
            {
                o.Storage.Postgres = database;
                o.Cluster.NodeId = nodeId;
            },
            dataDirectory: directory);

    private static async Task AssertPlaysAsync(TestServer node, string url)
    {
        using var response = await node.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("#EXTM3U", body);
    }

    private static async Task AssertRefusedAsync(TestServer node, string url, string error)
    {
        using var response = await node.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{node.Options.Cluster.NodeId} answered {(int)response.StatusCode}: {body}");
        var refusal = JsonNode.Parse(body)!.AsArray()[0]!;
        Assert.Equal("playback_auth_error", (string?)refusal["error_code"]);
        Assert.Equal(error, (string?)refusal["error"]);
    }

    private static async Task<long> CountAsync(string database) =>
        long.Parse((await ClusterNodeTests.ColumnAsync(database, "SELECT count(*)::text FROM playback_single_use_ids"))[0], System.Globalization.CultureInfo.InvariantCulture);
}
