using Microsoft.Extensions.Logging.Abstractions;
using OpenIvs.Server.Cluster;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Server.Tests.Cluster;

/// <summary>
/// Concurrent Viewers breach episodes shared by two nodes on one PostgreSQL: the refusal that opens an episode raises
/// the one event, whichever node refuses next; an admission on a node that refused ends it, and so does a while with
/// no refusal anywhere; each channel has episodes of its own.
/// </summary>
public sealed class ClusterBreachEpisodesTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD0001";
    private const string Other = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD0002";

    [Fact]
    public async Task OneEpisodeRaisesOneEventWhicheverNodesRefuse()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var store = new PostgresStateStore(database);
        await store.InitializeAsync(default);
        var a = new ClusterBreachEpisodes(store, new NodeIdentity("a"), NullLogger<ClusterBreachEpisodes>.Instance);
        var b = new ClusterBreachEpisodes(store, new NodeIdentity("b"), NullLogger<ClusterBreachEpisodes>.Instance);
        var raised = new List<string>();
        Action Raise(string who) => () =>
        {
            lock (raised)
            {
                raised.Add(who);
            }
        };

        async Task SettleAsync(ClusterBreachEpisodes node, int statements) =>
            await Eventually.TrueAsync(() => node.Settled >= statements, $"{statements} statements of a node to complete");

        // Both nodes refuse at once: one event.
        a.Refused(Channel, Raise("a"));
        b.Refused(Channel, Raise("b"));
        b.Refused(Channel, Raise("b"));
        await SettleAsync(a, 1);
        await SettleAsync(b, 2);
        Assert.Single(raised);

        // Another channel: an episode of its own.
        b.Refused(Other, Raise("b-other"));
        await SettleAsync(b, 3);
        Assert.Equal("b-other", raised[^1]);
        Assert.Equal(2, raised.Count);

        // An admission on a node that refused ends the episode: the next refusal, on any node, opens another.
        a.Admitted(Channel);
        await SettleAsync(a, 2);
        b.Refused(Channel, Raise("b-again"));
        await SettleAsync(b, 4);
        a.Refused(Channel, Raise("a-again"));
        await SettleAsync(a, 3);
        Assert.Equal(["b-again"], raised.Skip(2).ToList());

        // No refusal anywhere for a while: the episode is over, though no refusing node admitted anyone.
        await ClusterNodeTests.ExecuteAsync(database, $"UPDATE viewer_limit_breaches SET refused_at = now() - interval '{ClusterBreachEpisodes.QuietEnd.TotalSeconds + 1} seconds' WHERE channel_arn = '{Channel}'");
        a.Refused(Channel, Raise("a-after-quiet"));
        await SettleAsync(a, 4);
        Assert.Equal(["b-again", "a-after-quiet"], raised.Skip(2).ToList());
        b.Refused(Other, Raise("b-other-again")); // refused all along: the same episode
        await SettleAsync(b, 5);
        Assert.Equal(4, raised.Count);
    }

    [Fact]
    public async Task ANodeThatCannotReachTheDatabaseReportsTheBreachItself()
    {
        var closed = TestServer.FreePort();
        await using var store = new PostgresStateStore($"Host=127.0.0.1;Port={closed};Username=nobody;Database=none;Timeout=2");
        var cutOff = new ClusterBreachEpisodes(store, new NodeIdentity("cut-off"), NullLogger<ClusterBreachEpisodes>.Instance);
        var raised = 0;
        cutOff.Refused(Channel, () => Interlocked.Increment(ref raised));
        await Eventually.TrueAsync(() => cutOff.Settled == 1, "the claim to fail");
        Assert.Equal(1, raised);
    }
}
