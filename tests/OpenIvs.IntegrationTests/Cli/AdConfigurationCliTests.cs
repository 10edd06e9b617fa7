namespace OpenIvs.IntegrationTests.Cli;

/// <summary>
/// Ad configurations through the AWS CLI (create, get, list, delete, insert-ad-break). The installed CLI 1.x
/// predates UpdateAdConfiguration; the JavaScript suite covers that operation.
/// </summary>
public class AdConfigurationCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string PlaybackConfigurations = """[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/cli"}]""";

    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task CreateGetListAndDelete()
    {
        var created = (await AwsCli.IvsAsync(_server, "create-ad-configuration", "--name", "cli-ads",
            "--media-tailor-playback-configurations", PlaybackConfigurations, "--tags", "ads=yes"))!["adConfiguration"]!;
        var arn = IvsAssert.Str(created, "arn");
        IvsAssert.Arn(arn, "ad-configuration");
        IvsAssert.JsonEqual(IvsAssert.Parse(PlaybackConfigurations), created["mediaTailorPlaybackConfigurations"]);
        IvsAssert.JsonEqual(created, (await AwsCli.IvsAsync(_server, "get-ad-configuration", "--arn", arn))!["adConfiguration"]);

        var listed = await AwsCli.IvsAsync(_server, "list-ad-configurations", "--page-size", "1");
        Assert.Contains(listed!["adConfigurations"]!.AsArray(), a => (string?)a!["arn"] == arn);

        var deleted = await AwsCli.RunAsync(_server, "delete-ad-configuration", "--arn", arn);
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString());
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-ad-configuration", "--arn", arn);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "delete-ad-configuration", "--arn", arn);
    }

    [Fact]
    public async Task DeletingAConfigurationAChannelUsesIsAConflict()
    {
        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-ad-configuration",
            "--media-tailor-playback-configurations", PlaybackConfigurations))!["adConfiguration"], "arn");
        var channel = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--ad-configuration-arn", arn))!["channel"], "arn");

        await AwsCli.FailsAsync(_server, "ConflictException", "delete-ad-configuration", "--arn", arn);
        await AwsCli.FailsAsync(_server, "ChannelNotBroadcasting", "insert-ad-break", "--channel-arn", channel, "--duration-seconds", "30");

        await AwsCli.IvsAsync(_server, "update-channel", "--arn", channel, "--ad-configuration-arn", "");
        await AwsCli.IvsAsync(_server, "delete-ad-configuration", "--arn", arn);
    }

    [Fact]
    public async Task InvalidConfigurations()
    {
        await AwsCli.FailsAsync(_server, "ValidationException", "create-ad-configuration",
            "--media-tailor-playback-configurations", """[{"playbackConfigurationArn":"arn:aws:s3:::bucket"}]""");
        await AwsCli.FailsAsync(_server, "ValidationException", "insert-ad-break",
            "--channel-arn", $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:channel/abcdABCDefgh", "--duration-seconds", "301");
    }
}
