using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Client.Tests;

/// <summary>Paginators: every paginated operation has one; they follow nextToken to the end, pages and items.</summary>
public sealed class PaginatorTests
{
    [Fact]
    public void EveryPaginatedOperationHasAPaginator()
    {
        var paginated = IvsOperations.All.Where(o => o.Pagination is not null).Select(o => "Paginate" + o.Name).Order(StringComparer.Ordinal);
        var methods = typeof(IvsPaginators).GetMethods().Where(m => m.Name.StartsWith("Paginate", StringComparison.Ordinal)).Select(m => m.Name).Order(StringComparer.Ordinal);
        Assert.Equal(paginated, methods);
        Assert.Equal(8, methods.Count());
    }

    [Fact]
    public async Task ListsEveryChannelAcrossPagesAgainstTheServer()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var client = server.CreateClient();
        var arns = new HashSet<string>();
        for (var i = 0; i < 7; i++)
        {
            arns.Add((await client.CreateChannelAsync(new() { Name = $"page-{i}" })).Channel!.Arn!);
        }

        var request = new ListChannelsRequest { MaxResults = 3 };
        var paginator = client.PaginateListChannels(request);
        var pages = new List<ListChannelsResponse>();
        await foreach (var page in paginator.Pages)
        {
            pages.Add(page);
        }

        Assert.Equal([3, 3, 1], pages.Select(p => p.Channels!.Count));
        Assert.Null(pages[^1].NextToken);
        Assert.Null(request.NextToken); // the caller's request is never changed

        var items = new List<string>();
        await foreach (var channel in paginator.Items)
        {
            items.Add(channel.Arn!);
        }

        Assert.Equal(arns.Order(), items.Order());
    }

    [Fact]
    public async Task FiltersAreKeptOnEveryPage()
    {
        var handler = new ScriptedHandler()
            .Respond(200, """{"channels":[{"arn":"a"}],"nextToken":"t1"}""")
            .Respond(200, """{"channels":[{"arn":"b"}]}""");
        using var client = TestClients.Create(handler, delays: []);

        var arns = new List<string>();
        await foreach (var channel in client.PaginateListChannels(new() { FilterByName = "demo", MaxResults = 1 }).Items)
        {
            arns.Add(channel.Arn!);
        }

        Assert.Equal(["a", "b"], arns);
        Assert.Equal("""{"filterByName":"demo","maxResults":1}""", handler.Requests[0].Body);
        Assert.Equal("""{"filterByName":"demo","nextToken":"t1","maxResults":1}""", handler.Requests[1].Body);
    }

    [Fact]
    public async Task ARepeatedTokenStopsTheListing()
    {
        var handler = new ScriptedHandler()
            .Respond(200, """{"streamKeys":[],"nextToken":"same"}""")
            .Respond(200, """{"streamKeys":[],"nextToken":"same"}""");
        using var client = TestClients.Create(handler, delays: []);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in client.PaginateListStreamKeys(new() { ChannelArn = "arn:aws:ivs:us-west-2:1:channel/x" }).Pages)
            {
            }
        });
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task CancellationStopsThePaginator()
    {
        var handler = new ScriptedHandler().Respond(200, """{"channels":[{"arn":"a"}],"nextToken":"t1"}""");
        using var client = TestClients.Create(handler, delays: []);
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.PaginateListChannels().Items.WithCancellation(cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });
        Assert.Single(handler.Requests);
    }
}
