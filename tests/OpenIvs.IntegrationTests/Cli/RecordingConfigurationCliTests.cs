namespace OpenIvs.IntegrationTests.Cli;

/// <summary>Recording configurations through the AWS CLI.</summary>
public class RecordingConfigurationCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task CreateGetListAndDelete()
    {
        var created = (await AwsCli.IvsAsync(_server, "create-recording-configuration", "--name", "cli-rec",
            "--destination-configuration", "s3={bucketName=cli-recordings}",
            "--thumbnail-configuration", """{"recordingMode":"INTERVAL","targetIntervalSeconds":30,"storage":["LATEST"]}""",
            "--recording-reconnect-window-seconds", "60", "--tags", "a=b"))!["recordingConfiguration"]!;
        var arn = IvsAssert.Str(created, "arn");
        IvsAssert.Arn(arn, "recording-configuration");
        Assert.Equal("cli-rec", (string?)created["name"]);
        Assert.Equal("cli-recordings", (string?)created["destinationConfiguration"]!["s3"]!["bucketName"]);
        Assert.Contains((string?)created["state"], new[] { "CREATING", "ACTIVE" });
        Assert.Equal(60, (int)created["recordingReconnectWindowSeconds"]!);
        Assert.Equal(30, (int)created["thumbnailConfiguration"]!["targetIntervalSeconds"]!);
        Assert.Equal("ALL", (string?)created["renditionConfiguration"]!["renditionSelection"]);

        var got = (await AwsCli.IvsAsync(_server, "get-recording-configuration", "--arn", arn))!["recordingConfiguration"]!;
        Assert.Equal(arn, (string?)got["arn"]);
        IvsAssert.JsonEqual(created["thumbnailConfiguration"], got["thumbnailConfiguration"]);

        var listed = await AwsCli.IvsAsync(_server, "list-recording-configurations");
        var summary = Assert.Single(listed!["recordingConfigurations"]!.AsArray(), s => (string?)s!["arn"] == arn)!;
        Assert.Equal("cli-rec", (string?)summary["name"]);
        IvsAssert.JsonEqual(IvsAssert.Parse("""{"a":"b"}"""), summary["tags"]);

        var deleted = await AwsCli.RunAsync(_server, "delete-recording-configuration", "--arn", arn);
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString());
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-recording-configuration", "--arn", arn);
    }

    [Fact]
    public async Task DeletingAConfigurationAChannelUsesIsAConflict()
    {
        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-recording-configuration",
            "--destination-configuration", """{"s3":{"bucketName":"in-use"}}"""))!["recordingConfiguration"], "arn");
        var channel = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--recording-configuration-arn", arn))!["channel"], "arn");

        await AwsCli.FailsAsync(_server, "ConflictException", "delete-recording-configuration", "--arn", arn);

        await AwsCli.IvsAsync(_server, "update-channel", "--arn", channel, "--recording-configuration-arn", "");
        await AwsCli.IvsAsync(_server, "delete-recording-configuration", "--arn", arn);
    }

    [Fact]
    public async Task InvalidConfigurations()
    {
        await AwsCli.FailsAsync(_server, "ValidationException", "create-recording-configuration", "--destination-configuration", "s3={bucketName=Not_A_Bucket}");
        await AwsCli.FailsAsync(_server, "ValidationException", "create-recording-configuration", "--destination-configuration", "s3={bucketName=ok-bucket}",
            "--recording-reconnect-window-seconds", "301");
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "create-channel", "--recording-configuration-arn",
            $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:recording-configuration/MissingMissi");
    }
}
