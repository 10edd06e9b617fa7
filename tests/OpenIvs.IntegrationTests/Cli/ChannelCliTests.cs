namespace OpenIvs.IntegrationTests.Cli;

/// <summary>Channels through the AWS CLI: create-channel, get-channel, batch-get-channel, list-channels, update-channel, delete-channel.</summary>
public class ChannelCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task CreateChannelAppliesTheDocumentedDefaults()
    {
        var created = await AwsCli.IvsAsync(_server, "create-channel");

        var channel = created!["channel"]!;
        var id = IvsAssert.Arn(IvsAssert.Str(channel, "arn"), "channel");
        Assert.Equal("", (string?)channel["name"]);
        Assert.Equal("LOW", (string?)channel["latencyMode"]);
        Assert.Equal("STANDARD", (string?)channel["type"]);
        Assert.False((bool)channel["authorized"]!);
        Assert.False((bool)channel["insecureIngest"]!);
        Assert.Equal("", (string?)channel["recordingConfigurationArn"]);
        Assert.Equal("", (string?)channel["playbackRestrictionPolicyArn"]);
        Assert.Equal("", (string?)channel["preset"]);
        Assert.Equal("TS", (string?)channel["containerFormat"]);
        IvsAssert.JsonEqual(IvsAssert.Parse("""{"enabled":false,"policy":"ALLOW","maximumResolution":"FULL_HD"}"""), channel["multitrackInputConfiguration"]);
        IvsAssert.JsonEqual(new JsonObject(), channel["tags"]);
        Assert.EndsWith($"/api/video/v1/{TestCredentials.Region}.{TestCredentials.Account}.channel.{id}.m3u8", IvsAssert.Str(channel, "playbackUrl"));
        Assert.False(string.IsNullOrEmpty((string?)channel["ingestEndpoint"]));
        Assert.False(string.IsNullOrEmpty((string?)channel["srt"]?["endpoint"]));
        Assert.False(string.IsNullOrEmpty((string?)channel["srt"]?["passphrase"]));
        IvsAssert.StreamKey(created["streamKey"], IvsAssert.Str(channel, "arn"));

        var got = await AwsCli.IvsAsync(_server, "get-channel", "--arn", IvsAssert.Str(channel, "arn"));
        IvsAssert.JsonEqual(channel, got!["channel"]);
    }

    [Fact]
    public async Task CreateChannelKeepsItsOptions()
    {
        var created = await AwsCli.IvsAsync(_server, "create-channel", "--name", "cli-channel_1", "--latency-mode", "NORMAL",
            "--type", "ADVANCED_SD", "--preset", "CONSTRAINED_BANDWIDTH_DELIVERY", "--authorized", "--insecure-ingest",
            "--tags", """{"team":"cli","tier":"gold"}""");

        var channel = created!["channel"]!;
        Assert.Equal("cli-channel_1", (string?)channel["name"]);
        Assert.Equal("NORMAL", (string?)channel["latencyMode"]);
        Assert.Equal("ADVANCED_SD", (string?)channel["type"]);
        Assert.Equal("CONSTRAINED_BANDWIDTH_DELIVERY", (string?)channel["preset"]);
        Assert.True((bool)channel["authorized"]!);
        Assert.True((bool)channel["insecureIngest"]!);
        IvsAssert.JsonEqual(IvsAssert.Parse("""{"team":"cli","tier":"gold"}"""), channel["tags"]);

        var multitrack = await AwsCli.IvsAsync(_server, "create-channel", "--container-format", "FRAGMENTED_MP4",
            "--multitrack-input-configuration", """{"enabled":true,"policy":"ALLOW","maximumResolution":"SD"}""");
        IvsAssert.JsonEqual(IvsAssert.Parse("""{"enabled":true,"policy":"ALLOW","maximumResolution":"SD"}"""), multitrack!["channel"]!["multitrackInputConfiguration"]);
    }

    [Fact]
    public async Task BatchGetChannelReportsMissingChannels()
    {
        var a = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--name", "batch-a"))!["channel"], "arn");
        var missing = $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:channel/MissingMissi";

        var result = await AwsCli.IvsAsync(_server, "batch-get-channel", "--arns", a, missing);

        Assert.Equal([a], result!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));
        var error = Assert.Single(result["errors"]!.AsArray());
        Assert.Equal(missing, (string?)error!["arn"]);
        Assert.Equal("ResourceNotFoundException", (string?)error["code"]);
    }

    [Fact]
    public async Task UpdateChannelChangesOnlyWhatItIsGiven()
    {
        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--name", "before", "--authorized"))!["channel"], "arn");

        var updated = (await AwsCli.IvsAsync(_server, "update-channel", "--arn", arn, "--name", "after", "--type", "ADVANCED_HD"))!["channel"]!;

        Assert.Equal("after", (string?)updated["name"]);
        Assert.Equal("ADVANCED_HD", (string?)updated["type"]);
        Assert.Equal("HIGHER_BANDWIDTH_DELIVERY", (string?)updated["preset"]);
        Assert.True((bool)updated["authorized"]!);
        var cleared = (await AwsCli.IvsAsync(_server, "update-channel", "--arn", arn, "--no-authorized"))!["channel"]!;
        Assert.False((bool)cleared["authorized"]!);
        Assert.Equal("after", (string?)cleared["name"]);
        IvsAssert.JsonEqual(cleared, (await AwsCli.IvsAsync(_server, "get-channel", "--arn", arn))!["channel"]);
    }

    [Fact]
    public async Task DeleteChannelPrintsNothingAndTheChannelIsGone()
    {
        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel"))!["channel"], "arn");

        var deleted = await AwsCli.RunAsync(_server, "delete-channel", "--arn", arn);

        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(string.Empty, deleted.Stdout.Trim());
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-channel", "--arn", arn);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "delete-channel", "--arn", arn);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "update-channel", "--arn", arn, "--name", "x");
    }

    [Fact]
    public async Task ListChannelsPagesThroughEveryChannel()
    {
        var name = "paged";
        var arns = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            arns.Add(IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--name", name))!["channel"], "arn"));
        }

        // The CLI follows nextToken itself: 4 requests of 2.
        var all = await AwsCli.IvsAsync(_server, "list-channels", "--filter-by-name", name, "--page-size", "2");
        Assert.Equal(arns, all!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));

        // --max-items hands out the CLI's own token, which wraps the service's nextToken.
        var first = await AwsCli.IvsAsync(_server, "list-channels", "--filter-by-name", name, "--max-items", "3", "--page-size", "2");
        Assert.Equal(arns[..3], first!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));
        var token = IvsAssert.Str(first, "NextToken");
        var rest = await AwsCli.IvsAsync(_server, "list-channels", "--filter-by-name", name, "--starting-token", token, "--page-size", "2");
        Assert.Equal(arns[3..], rest!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));

        var summary = all["channels"]![0]!;
        foreach (var member in new[] { "arn", "name", "latencyMode", "authorized", "recordingConfigurationArn", "tags", "insecureIngest", "type", "preset", "playbackRestrictionPolicyArn" })
        {
            Assert.NotNull(summary[member]);
        }
    }

    [Fact]
    public async Task ListChannelsFiltersByLinkedResources()
    {
        var rc = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-recording-configuration",
            "--destination-configuration", """{"s3":{"bucketName":"cli-filter-bucket"}}"""))!["recordingConfiguration"], "arn");
        var prp = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-playback-restriction-policy", "--allowed-countries", "US", "CA"))!["playbackRestrictionPolicy"], "arn");
        var recorded = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--recording-configuration-arn", rc))!["channel"], "arn");
        var restricted = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--playback-restriction-policy-arn", prp))!["channel"], "arn");

        var byRc = await AwsCli.IvsAsync(_server, "list-channels", "--filter-by-recording-configuration-arn", rc);
        Assert.Equal([recorded], byRc!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));
        var byPrp = await AwsCli.IvsAsync(_server, "list-channels", "--filter-by-playback-restriction-policy-arn", prp);
        Assert.Equal([restricted], byPrp!["channels"]!.AsArray().Select(c => (string?)c!["arn"]));
    }

    [Fact]
    public Task ListChannelsWithTwoFiltersIsAConflict() =>
        AwsCli.FailsAsync(_server, "ConflictException", "list-channels", "--filter-by-name", "a",
            "--filter-by-recording-configuration-arn", $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:recording-configuration/abcdABCDefgh");

    [Fact]
    public async Task ServerSideValidationErrors()
    {
        // Constraints botocore does not check itself (patterns, maximum lengths, range maximums) reach the server.
        await AwsCli.FailsAsync(_server, "ValidationException", "get-channel", "--arn", "arn:aws:ivs:us-west-2:000000000000:channel/bad_id!");
        await AwsCli.FailsAsync(_server, "ValidationException", "create-channel", "--name", new string('n', 129));
        await AwsCli.FailsAsync(_server, "ValidationException", "list-channels", "--max-results", "101");
        await AwsCli.FailsAsync(_server, "ValidationException", "create-channel", "--type", "ULTRA");
        await AwsCli.FailsAsync(_server, "ValidationException", "create-channel", "--type", "STANDARD", "--preset", "HIGHER_BANDWIDTH_DELIVERY");
        await AwsCli.FailsAsync(_server, "ValidationException", "batch-get-channel", "--arns", "arn:aws:ivs:us-west-2:000000000000:stream-key/abcdABCDefgh");
    }

    [Fact]
    public async Task ClientSideValidationStopsTheCliBeforeSending()
    {
        // botocore checks required members and minimums itself: the request is never sent.
        var result = await AwsCli.RunAsync(_server, "list-channels", "--max-results", "0");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Parameter validation failed", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("An error occurred", result.Stderr, StringComparison.Ordinal);
    }
}
