namespace OpenIvs.IntegrationTests.Cli;

/// <summary>Streams, stream sessions and viewer revocation through the AWS CLI, on a channel nothing is streaming to.</summary>
public class StreamCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    private async Task<string> NewChannelAsync() => IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel"))!["channel"], "arn");

    [Fact]
    public async Task LiveOnlyOperationsOnAnOfflineChannelAreChannelNotBroadcasting()
    {
        var arn = await NewChannelAsync();
        await AwsCli.FailsAsync(_server, "ChannelNotBroadcasting", "get-stream", "--channel-arn", arn);
        await AwsCli.FailsAsync(_server, "ChannelNotBroadcasting", "stop-stream", "--channel-arn", arn);
        await AwsCli.FailsAsync(_server, "ChannelNotBroadcasting", "put-metadata", "--channel-arn", arn, "--metadata", """{"question":"?"}""");
        await AwsCli.FailsAsync(_server, "ChannelNotBroadcasting", "insert-ad-break", "--channel-arn", arn, "--duration-seconds", "10");
        await AwsCli.FailsAsync(_server, "ValidationException", "put-metadata", "--channel-arn", arn, "--metadata", new string('m', 1025));
    }

    [Fact]
    public async Task NothingIsLiveAndNoSessionsExist()
    {
        var arn = await NewChannelAsync();
        IvsAssert.JsonEqual(new JsonArray(), (await AwsCli.IvsAsync(_server, "list-streams"))!["streams"]);
        IvsAssert.JsonEqual(new JsonArray(), (await AwsCli.IvsAsync(_server, "list-streams", "--filter-by", "health=STARVING"))!["streams"]);
        IvsAssert.JsonEqual(new JsonArray(), (await AwsCli.IvsAsync(_server, "list-stream-sessions", "--channel-arn", arn))!["streamSessions"]);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-stream-session", "--channel-arn", arn);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-stream-session", "--channel-arn", arn, "--stream-id", "st-" + new string('a', 23));
        await AwsCli.FailsAsync(_server, "ValidationException", "list-streams", "--filter-by", "health=GREAT");
    }

    [Fact]
    public async Task ViewerSessionRevocation()
    {
        var arn = await NewChannelAsync();
        var single = await AwsCli.RunAsync(_server, "start-viewer-session-revocation", "--channel-arn", arn, "--viewer-id", "viewer-1",
            "--viewer-session-versions-less-than-or-equal-to", "3");
        Assert.True(single.ExitCode == 0, single.ToString());

        var missing = $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:channel/MissingMissi";
        var batch = await AwsCli.IvsAsync(_server, "batch-start-viewer-session-revocation", "--viewer-sessions",
            $$"""[{"channelArn":"{{arn}}","viewerId":"a"},{"channelArn":"{{missing}}","viewerId":"b"}]""");
        var error = Assert.Single(batch!["errors"]!.AsArray())!;
        Assert.Equal(missing, (string?)error["channelArn"]);
        Assert.Equal("b", (string?)error["viewerId"]);
        Assert.Equal("ResourceNotFoundException", (string?)error["code"]);

        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "start-viewer-session-revocation", "--channel-arn", missing, "--viewer-id", "v");
        await AwsCli.FailsAsync(_server, "ValidationException", "start-viewer-session-revocation", "--channel-arn", arn, "--viewer-id", new string('v', 41));
    }
}
