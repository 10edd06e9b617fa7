namespace OpenIvs.IntegrationTests.Cli;

/// <summary>
/// Errors that cannot be provoked naturally yet, injected by the server (<c>--enable-fault-injection</c>), as
/// the AWS CLI reports them. Each is injected into an operation whose model lists it.
/// </summary>
public class FaultCliTests(FaultInjectionServerFixture fixture) : IClassFixture<FaultInjectionServerFixture>, IAsyncLifetime
{
    private readonly ServerProcess _server = fixture.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Faults.ClearAsync(_server);

    [Theory]
    [InlineData("AccessDeniedException", "GetChannel", "get-channel", "--arn", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh")]
    [InlineData("PendingVerification", "CreateChannel", "create-channel")]
    [InlineData("ThrottlingException", "PutMetadata", "put-metadata", "--channel-arn", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh", "--metadata", "m")]
    [InlineData("InternalServerException", "ListRecordingConfigurations", "list-recording-configurations")]
    [InlineData("ServiceUnavailable", "BatchGetStreamKey", "batch-get-stream-key", "--arns", "arn:aws:ivs:us-west-2:000000000000:stream-key/abcdABCDefgh")]
    [InlineData("StreamUnavailable", "StopStream", "stop-stream", "--channel-arn", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh")]
    public async Task InjectedErrorsReachTheCliWithTheirCode(string errorCode, string operation, string command, params string[] args)
    {
        await Faults.InjectAsync(_server, operation, errorCode);

        await AwsCli.FailsAsync(_server, errorCode, command, args);
    }

    [Fact]
    public async Task AnInjectedFaultIsUsedUp()
    {
        await Faults.InjectAsync(_server, "ListChannels", "AccessDeniedException", count: 1);
        await AwsCli.FailsAsync(_server, "AccessDeniedException", "list-channels");
        await AwsCli.IvsAsync(_server, "list-channels");
    }
}
