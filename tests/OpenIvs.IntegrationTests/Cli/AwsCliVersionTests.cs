namespace OpenIvs.IntegrationTests.Cli;

/// <summary>
/// The CLI suites expect the AWS CLI 1.x of the machine image (pip awscli 1.45, 40 IVS operations). Debian's
/// awscli 2.9 (which scripts/install-test-deps.sh would install where no `aws` exists) knows only 28, so say so
/// plainly instead of failing a dozen tests with "Invalid choice".
/// </summary>
public class AwsCliVersionTests
{
    [Fact]
    public async Task TheCliKnowsTheIvsOperationsTheSuitesUse()
    {
        var version = await AwsCli.RunRawAsync(["--version"]);
        Assert.True(version.ExitCode == 0, version.ToString());

        var help = await AwsCli.RunRawAsync(["ivs", "insert-ad-break", "help"], new Dictionary<string, string?> { ["PAGER"] = "cat", ["MANPAGER"] = "cat" });

        Assert.True(help.ExitCode == 0, $"the AWS CLI on PATH ({(version.Stdout + version.Stderr).Trim()}) does not know 'ivs insert-ad-break': {help.Stderr}");
    }
}
