namespace OpenIvs.IntegrationTests.Cli;

/// <summary>tag-resource, untag-resource and list-tags-for-resource through the AWS CLI (ARN percent-encoded in the path).</summary>
public class TagCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task TagListAndUntagAChannelAndItsKey()
    {
        var created = await AwsCli.IvsAsync(_server, "create-channel", "--tags", "initial=1");
        foreach (var arn in new[] { IvsAssert.Str(created!["channel"], "arn"), IvsAssert.Str(created["streamKey"], "arn") })
        {
            var tagged = await AwsCli.RunAsync(_server, "tag-resource", "--resource-arn", arn, "--tags", """{"env":"prod","path/key":"a b:c=d+e-f@g","a b+c":"1"}""");
            Assert.True(tagged.ExitCode == 0 && tagged.Stdout.Trim().Length == 0, tagged.ToString()); // 200 {}: the CLI prints nothing
            IvsAssert.JsonEqual(IvsAssert.Parse("""{"initial":"1","env":"prod","path/key":"a b:c=d+e-f@g","a b+c":"1"}"""),
                (await AwsCli.IvsAsync(_server, "list-tags-for-resource", "--resource-arn", arn))!["tags"]);

            var untagged = await AwsCli.RunAsync(_server, "untag-resource", "--resource-arn", arn, "--tag-keys", "env", "path/key", "a b+c");
            Assert.True(untagged.ExitCode == 0, untagged.ToString());
            IvsAssert.JsonEqual(IvsAssert.Parse("""{"initial":"1"}"""), (await AwsCli.IvsAsync(_server, "list-tags-for-resource", "--resource-arn", arn))!["tags"]);
        }
    }

    [Fact]
    public async Task TagErrors()
    {
        var missing = $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:channel/MissingMissi";
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "list-tags-for-resource", "--resource-arn", missing);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "tag-resource", "--resource-arn", missing, "--tags", "a=b");
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "untag-resource", "--resource-arn", missing, "--tag-keys", "a");

        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel"))!["channel"], "arn");
        await AwsCli.FailsAsync(_server, "ValidationException", "tag-resource", "--resource-arn", arn, "--tags", "aws:reserved=x");
        await AwsCli.FailsAsync(_server, "ValidationException", "tag-resource", "--resource-arn", arn, "--tags", $"key={new string('v', 257)}");
        await AwsCli.FailsAsync(_server, "ValidationException", "list-tags-for-resource", "--resource-arn", "arn:aws:s3:::bucket");
    }
}
