namespace OpenIvs.IntegrationTests.Cli;

/// <summary>Stream keys through the AWS CLI: create-stream-key, get-stream-key, batch-get-stream-key, list-stream-keys, delete-stream-key.</summary>
public class StreamKeyCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task TheChannelsKeyCanBeReadListedAndBatchRead()
    {
        var created = await AwsCli.IvsAsync(_server, "create-channel");
        var channelArn = IvsAssert.Str(created!["channel"], "arn");
        var keyArn = IvsAssert.Str(created["streamKey"], "arn");

        var got = await AwsCli.IvsAsync(_server, "get-stream-key", "--arn", keyArn);
        IvsAssert.StreamKey(got!["streamKey"], channelArn);
        IvsAssert.JsonEqual(created["streamKey"], got["streamKey"]);

        var listed = await AwsCli.IvsAsync(_server, "list-stream-keys", "--channel-arn", channelArn);
        var summary = Assert.Single(listed!["streamKeys"]!.AsArray());
        Assert.Equal(keyArn, (string?)summary!["arn"]);
        Assert.Null(summary["value"]);

        var missing = $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:stream-key/MissingMissi";
        var batch = await AwsCli.IvsAsync(_server, "batch-get-stream-key", "--arns", keyArn, missing);
        IvsAssert.StreamKey(Assert.Single(batch!["streamKeys"]!.AsArray()), channelArn);
        Assert.Equal("ResourceNotFoundException", (string?)Assert.Single(batch["errors"]!.AsArray())!["code"]);
    }

    [Fact]
    public async Task ASecondKeyExceedsTheQuotaUntilTheFirstIsDeleted()
    {
        var created = await AwsCli.IvsAsync(_server, "create-channel");
        var channelArn = IvsAssert.Str(created!["channel"], "arn");
        var oldKey = created["streamKey"]!;

        await AwsCli.FailsAsync(_server, "ServiceQuotaExceededException", "create-stream-key", "--channel-arn", channelArn);

        var deleted = await AwsCli.RunAsync(_server, "delete-stream-key", "--arn", IvsAssert.Str(oldKey, "arn"));
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString());
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-stream-key", "--arn", IvsAssert.Str(oldKey, "arn"));
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "delete-stream-key", "--arn", IvsAssert.Str(oldKey, "arn"));

        var rotated = await AwsCli.IvsAsync(_server, "create-stream-key", "--channel-arn", channelArn, "--tags", "rotation=1");
        IvsAssert.StreamKey(rotated!["streamKey"], channelArn);
        Assert.NotEqual((string?)oldKey["value"], (string?)rotated["streamKey"]!["value"]);
        IvsAssert.JsonEqual(IvsAssert.Parse("""{"rotation":"1"}"""), rotated["streamKey"]!["tags"]);
    }

    [Fact]
    public async Task KeysOfAMissingChannel()
    {
        var missing = $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:channel/MissingMissi";
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "create-stream-key", "--channel-arn", missing);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "list-stream-keys", "--channel-arn", missing);
        await AwsCli.FailsAsync(_server, "ValidationException", "get-stream-key", "--arn", missing);
        await AwsCli.FailsAsync(_server, "ValidationException", "list-stream-keys", "--channel-arn", missing, "--max-results", "51");
    }
}
