namespace OpenIvs.IntegrationTests.Durability;

/// <summary>
/// A nextToken stays valid across a restart (its key is kept in the database), so it must also stay correct:
/// a channel created after the restart comes after every channel listed before it, even when the newest
/// channels were deleted before the restart.
/// </summary>
public class NextTokenAcrossRestartTests
{
    [Fact]
    public async Task ChannelsCreatedAfterARestartAreNotSkipped()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("openivs-token-").FullName;
        try
        {
            string token;
            await using (var server = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory }))
            {
                var a = await CreateChannelAsync(server, "a");
                var b = await CreateChannelAsync(server, "b");
                var c = await CreateChannelAsync(server, "c");
                var page = await CallAsync(server, "ListChannels", new JsonObject { ["maxResults"] = 2 });
                Assert.Equal([a, b], page["channels"]!.AsArray().Select(ch => (string?)ch!["arn"]));
                token = (string)page["nextToken"]!;
                await CallAsync(server, "DeleteChannel", new JsonObject { ["arn"] = b }, expected: 204);
                await CallAsync(server, "DeleteChannel", new JsonObject { ["arn"] = c }, expected: 204);
            }

            await using (var restarted = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory }))
            {
                var d = await CreateChannelAsync(restarted, "d");

                var rest = await CallAsync(restarted, "ListChannels", new JsonObject { ["maxResults"] = 2, ["nextToken"] = token });

                Assert.Equal([d], rest["channels"]!.AsArray().Select(ch => (string?)ch!["arn"]));
            }
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<string> CreateChannelAsync(ServerProcess server, string name) =>
        (string)(await CallAsync(server, "CreateChannel", new JsonObject { ["name"] = name }))["channel"]!["arn"]!;

    private static async Task<JsonObject> CallAsync(ServerProcess server, string operation, JsonObject input, int expected = 200)
    {
        var response = await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/" + operation, input.ToJsonString()));
        Assert.True(response.Status == expected, $"{operation}: {response}");
        return response.Json ?? [];
    }
}
