using System.Text.Json.Nodes;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

public class PaginationTests
{
    [Fact]
    public async Task PagesStayCorrectWhileItemsAreCreatedAndDeleted()
    {
        await using var server = await TestServer.StartAsync();
        var arns = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            arns.Add((string)(await server.CallAsync("CreateChannel", $$"""{"name":"c{{i}}"}""").OkAsync())["channel"]!["arn"]!);
        }

        var first = await server.CallAsync("ListChannels", """{"maxResults":3}""").OkAsync();
        // Between pages: delete an item already returned, one not yet returned, and add one.
        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{arns[0]}}"}""").OkAsync(204);
        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{arns[4]}}"}""").OkAsync(204);
        var added = (string)(await server.CallAsync("CreateChannel", """{"name":"late"}""").OkAsync())["channel"]!["arn"]!;
        var seen = Names(first);
        var token = (string?)first["nextToken"];
        while (token is not null)
        {
            var page = await server.CallAsync("ListChannels", new JsonObject { ["maxResults"] = 3, ["nextToken"] = token }.ToJsonString()).OkAsync();
            seen.AddRange(Names(page));
            token = (string?)page["nextToken"];
        }

        Assert.Equal(["c0", "c1", "c2", "c3", "c5", "c6", "late"], seen);
        Assert.Contains(added, arns.Append(added));
    }

    [Fact]
    public async Task LastPageHasNoToken()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallAsync("CreateChannel").OkAsync();
        await server.CallAsync("CreateChannel").OkAsync();

        var page = await server.CallAsync("ListChannels", """{"maxResults":2}""").OkAsync();

        Assert.Equal(2, page["channels"]!.AsArray().Count);
        Assert.Null(page["nextToken"]);
    }

    [Theory]
    [InlineData("AAAA")]
    [InlineData("not-a-token")]
    [InlineData("AQAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA")]
    public async Task ForgedTokenIsAValidationException(string token)
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("ListChannels", new JsonObject { ["nextToken"] = token }.ToJsonString()).ErrorAsync(400, "ValidationException");
    }

    [Fact]
    public async Task TamperedTokenAndTokenOfAnotherListingAreRefused()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await server.CallAsync("CreateChannel", """{"name":"x"}""").OkAsync();
        }

        var token = (string)(await server.CallAsync("ListChannels", """{"maxResults":1,"filterByName":"x"}""").OkAsync())["nextToken"]!;
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];

        await server.CallAsync("ListChannels", new JsonObject { ["nextToken"] = tampered, ["filterByName"] = "x" }.ToJsonString()).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ListChannels", new JsonObject { ["nextToken"] = token }.ToJsonString()).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ListRecordingConfigurations", new JsonObject { ["nextToken"] = token }.ToJsonString()).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ListChannels", new JsonObject { ["nextToken"] = token, ["filterByName"] = "x" }.ToJsonString()).OkAsync();
    }

    [Theory]
    [InlineData("ListChannels", 0)]
    [InlineData("ListChannels", 101)]
    [InlineData("ListPlaybackKeyPairs", 101)]
    [InlineData("ListRecordingConfigurations", 0)]
    [InlineData("ListPlaybackRestrictionPolicies", 101)]
    [InlineData("ListStreams", 101)]
    [InlineData("ListAdConfigurations", 101)]
    public async Task MaxResultsOutsideTheOperationsBoundsIsRefused(string operation, int maxResults)
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync(operation, $$"""{"maxResults":{{maxResults}}}""").ErrorAsync(400, "ValidationException");
    }

    [Fact]
    public async Task StreamKeyListingIsBoundedAt50AndDefaultsToOne()
    {
        await using var server = await TestServer.StartAsync(o => o.Quotas.StreamKeysPerChannel = 3);
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        await server.CallAsync("CreateStreamKey", $$"""{"channelArn":"{{arn}}"}""").OkAsync();

        var page = await server.CallAsync("ListStreamKeys", $$"""{"channelArn":"{{arn}}"}""").OkAsync();
        await server.CallAsync("ListStreamKeys", $$"""{"channelArn":"{{arn}}","maxResults":51}""").ErrorAsync(400, "ValidationException");

        Assert.Single(page["streamKeys"]!.AsArray());
        Assert.NotNull(page["nextToken"]);
        Assert.Null(page["streamKeys"]![0]!["value"]);
    }

    private static List<string> Names(JsonNode page) => [.. page["channels"]!.AsArray().Select(c => (string)c!["name"]!)];
}
