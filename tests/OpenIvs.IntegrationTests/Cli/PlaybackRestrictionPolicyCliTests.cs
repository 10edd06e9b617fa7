namespace OpenIvs.IntegrationTests.Cli;

/// <summary>Playback restriction policies through the AWS CLI.</summary>
public class PlaybackRestrictionPolicyCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task CreateGetUpdateListAndDelete()
    {
        // Origins go in as JSON: the CLI would try to download a bare "https://..." parameter value.
        var created = (await AwsCli.IvsAsync(_server, "create-playback-restriction-policy", "--name", "geo",
            "--allowed-countries", "US", "MX", "--allowed-origins", """["https://a.example"]""", "--enable-strict-origin-enforcement"))!["playbackRestrictionPolicy"]!;
        var arn = IvsAssert.Str(created, "arn");
        IvsAssert.Arn(arn, "playback-restriction-policy");
        IvsAssert.JsonEqual(IvsAssert.Parse("""["US","MX"]"""), created["allowedCountries"]);
        Assert.True((bool)created["enableStrictOriginEnforcement"]!);

        var updated = (await AwsCli.IvsAsync(_server, "update-playback-restriction-policy", "--arn", arn,
            "--allowed-origins", """["https://b.example"]""", "--no-enable-strict-origin-enforcement"))!["playbackRestrictionPolicy"]!;
        IvsAssert.JsonEqual(IvsAssert.Parse("""["US","MX"]"""), updated["allowedCountries"]);
        IvsAssert.JsonEqual(IvsAssert.Parse("""["https://b.example"]"""), updated["allowedOrigins"]);
        Assert.False((bool)updated["enableStrictOriginEnforcement"]!);
        IvsAssert.JsonEqual(updated, (await AwsCli.IvsAsync(_server, "get-playback-restriction-policy", "--arn", arn))!["playbackRestrictionPolicy"]);

        // botocore has no paginator for this operation, so the CLI shows one page (by default one policy) and
        // the caller follows nextToken.
        var second = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-playback-restriction-policy", "--name", "second"))!["playbackRestrictionPolicy"], "arn");
        var listed = new List<string?>();
        string? token = null;
        do
        {
            var page = await AwsCli.IvsAsync(_server, "list-playback-restriction-policies", token is null ? [] : ["--next-token", token]);
            listed.Add((string?)Assert.Single(page!["playbackRestrictionPolicies"]!.AsArray())!["arn"]);
            token = (string?)page["nextToken"];
        }
        while (token is not null);
        Assert.True(listed.IndexOf(arn) >= 0 && listed.IndexOf(arn) < listed.IndexOf(second), string.Join(", ", listed));

        var deleted = await AwsCli.RunAsync(_server, "delete-playback-restriction-policy", "--arn", arn);
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString());
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-playback-restriction-policy", "--arn", arn);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "update-playback-restriction-policy", "--arn", arn, "--name", "x");
    }

    [Fact]
    public async Task DeletingAPolicyAChannelUsesIsAConflict()
    {
        var arn = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-playback-restriction-policy"))!["playbackRestrictionPolicy"], "arn");
        var channel = IvsAssert.Str((await AwsCli.IvsAsync(_server, "create-channel", "--playback-restriction-policy-arn", arn))!["channel"], "arn");

        await AwsCli.FailsAsync(_server, "ConflictException", "delete-playback-restriction-policy", "--arn", arn);

        await AwsCli.IvsAsync(_server, "delete-channel", "--arn", channel);
        await AwsCli.IvsAsync(_server, "delete-playback-restriction-policy", "--arn", arn);
    }

    [Fact]
    public Task ACountryCodeMustHaveTwoLetters() =>
        AwsCli.FailsAsync(_server, "ValidationException", "create-playback-restriction-policy", "--allowed-countries", "USA");
}
