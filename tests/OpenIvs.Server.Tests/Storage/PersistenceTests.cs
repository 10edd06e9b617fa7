using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Storage;

/// <summary>State across a restart, on SQLite here and on PostgreSQL in <see cref="PostgresPersistenceTests"/>.</summary>
public class PersistenceTests
{
    /// <summary>Chooses the store of a test's servers (every server of the test gets the same).</summary>
    protected virtual Task<Action<Hosting.OpenIvsOptions>> StoreAsync() => Task.FromResult<Action<Hosting.OpenIvsOptions>>(_ => { });

    [Fact]
    public async Task StateSurvivesARestartAndUrlsFollowTheConfiguration()
    {
        var dataDirectory = TestServer.TempDirectory();
        var store = await StoreAsync();
        string channelArn, keyValue, token;
        await using (var first = await TestServer.StartAsync(store, dataDirectory: dataDirectory))
        {
            var created = await first.CallAsync("CreateChannel", """{"name":"kept","tags":{"a":"b"}}""").OkAsync();
            channelArn = (string)created["channel"]!["arn"]!;
            keyValue = (string)created["streamKey"]!["value"]!;
            await first.CallAsync("CreateChannel", """{"name":"kept"}""").OkAsync();
            token = (string)(await first.CallAsync("ListChannels", """{"maxResults":1}""").OkAsync())["nextToken"]!;
        }

        await using var second = await TestServer.StartAsync(
            o =>
            {
                store(o);
                o.Public.PlaybackBaseUrl = "https://cdn.example.com";
            },
            dataDirectory: dataDirectory);
        var channel = (await second.CallAsync("GetChannel", $$"""{"arn":"{{channelArn}}"}""").OkAsync())["channel"]!;
        var keys = await second.CallAsync("ListStreamKeys", $$"""{"channelArn":"{{channelArn}}"}""").OkAsync();
        var key = await second.CallAsync("GetStreamKey", $$"""{"arn":"{{(string)keys["streamKeys"]![0]!["arn"]!}}"}""").OkAsync();
        var nextPage = await second.CallAsync("ListChannels", $$"""{"maxResults":1,"nextToken":"{{token}}"}""").OkAsync();

        Assert.Equal("kept", (string?)channel["name"]);
        Assert.Equal("""{"a":"b"}""", channel["tags"]!.ToJsonString());
        Assert.StartsWith("https://cdn.example.com/api/video/v1/", (string)channel["playbackUrl"]!);
        Assert.Equal(keyValue, (string?)key["streamKey"]!["value"]);
        Assert.Single(nextPage["channels"]!.AsArray());
    }

    [Fact]
    public async Task RootCredentialsAreWrittenOnceWithOwnerOnlyPermissions()
    {
        var dataDirectory = TestServer.TempDirectory();
        var store = await StoreAsync();
        string first;
        await using (var server = await TestServer.StartAsync(store, dataDirectory: dataDirectory))
        {
            first = server.Root.AccessKeyId;
        }

        await using var again = await TestServer.StartAsync(store, dataDirectory: dataDirectory);
        var path = Path.Combine(dataDirectory, "credentials");

        Assert.Equal(first, again.Root.AccessKeyId);
        Assert.Matches(@"^\[default\]\naws_access_key_id = AKIA[A-Z0-9]{16}\naws_secret_access_key = \S{40}\n$", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
