using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// The per-channel viewer limit adds the viewers other nodes serve (as the locator last heard) to this node's own,
/// and reports one Concurrent Viewers breach per excursion over the limit.
/// </summary>
public sealed class ViewerLimitTests
{
    private const string Arn = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";

    [Fact]
    public async Task ViewersOnOtherNodesCountAgainstTheLimitAndEachExcursionIsOneBreach()
    {
        var locator = new Elsewhere();
        await using var server = await TestServer.StartAsync(o => o.Playback.MaxViewersPerChannel = 5, services: s => s.AddSingleton<IStreamLocator>(locator));
        var limit = server.Services.GetRequiredService<ViewerLimit>();

        Assert.True(limit.Admits(Arn, 4));
        locator.Viewers = 1;
        Assert.False(limit.Admits(Arn, 4)); // 4 here + 1 elsewhere: at the limit
        locator.Viewers = 3;
        Assert.False(limit.Admits(Arn, 2)); // the same excursion: no second breach
        var first = await BreachesAsync(server, 1);
        Assert.Equal(1, (long)first[0]["detail"]!["exceeded_by"]!);

        locator.Viewers = 0;
        Assert.True(limit.Admits(Arn, 2)); // below again: the excursion is over
        locator.Viewers = 10;
        Assert.False(limit.Admits(Arn, 2));
        var both = await BreachesAsync(server, 2);
        Assert.Equal(8, (long)both[1]["detail"]!["exceeded_by"]!); // 2 + 10 + the refused one, over 5
        Assert.All(both, e => Assert.Equal(5, (long)e["detail"]!["limit_value"]!));
    }

    private static async Task<List<System.Text.Json.Nodes.JsonNode>> BreachesAsync(TestServer server, int count)
    {
        var breaches = await server.UntilStoredAsync(
            async () => (await server.OutboxEventsAsync()).Where(e => (string?)e["detail"]?["limit_name"] == "Concurrent Viewers").ToList(),
            e => e.Count >= count, $"{count} Concurrent Viewers breaches");
        Assert.Equal(count, breaches.Count);
        return breaches;
    }

    private sealed class Elsewhere : IStreamLocator
    {
        public volatile int Viewers;

        public RemoteStream? FindRemote(string channelArn) => null;

        public IReadOnlyList<RemoteStream> RemoteStreams => [];

        public long ViewersElsewhere(string channelArn) => channelArn == Arn ? Viewers : 0;
    }
}
