using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Auth;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>The text the SDK shows (<see cref="Exception.Message"/>) for the real server's errors, modelled or not.</summary>
public sealed class ServerErrorMessageTests : IAsyncLifetime
{
    private OpenIvsTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenIvsTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AModelledErrorCarriesTheServersMessage()
    {
        using var client = _server.CreateClient(o => o.Retry.MaxAttempts = 1);
        const string arn = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";

        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.GetChannelAsync(new GetChannelRequest { Arn = arn }));

        Assert.Equal($"Channel not found: {arn}", error.Message);
        Assert.NotNull(error.RequestId);
    }

    [Fact]
    public async Task AuthenticationErrorsCarryTheirCodeAndMessage()
    {
        using var wrongSecret = _server.CreateClient(o => { o.Credentials = new SigV4Credentials(_server.Root.AccessKeyId, "not-the-secret"); o.Retry.MaxAttempts = 1; });
        using var unknownKey = _server.CreateClient(o => { o.Credentials = new SigV4Credentials("AKIAUNKNOWNKEY000000", "x"); o.Retry.MaxAttempts = 1; });

        var signature = await Assert.ThrowsAnyAsync<IvsException>(() => wrongSecret.ListChannelsAsync(new ListChannelsRequest()));
        var unknown = await Assert.ThrowsAnyAsync<IvsException>(() => unknownKey.ListChannelsAsync(new ListChannelsRequest()));

        Assert.Equal(("InvalidSignatureException", 403), (signature.ErrorCode, signature.StatusCode));
        Assert.StartsWith("The request signature we calculated does not match", signature.Message, StringComparison.Ordinal);
        Assert.Equal(("UnrecognizedClientException", "The security token included in the request is invalid."), (unknown.ErrorCode, unknown.Message));
    }

    [Fact]
    public async Task AnInjectedFaultCarriesItsMessage()
    {
        using var client = _server.CreateClient(o => o.Retry.MaxAttempts = 1);
        await _server.InjectFaultAsync("ListChannels", "ThrottlingException", 1);

        var error = await Assert.ThrowsAsync<ThrottlingException>(() => client.ListChannelsAsync(new ListChannelsRequest()));

        Assert.Equal("Injected ThrottlingException for ListChannels.", error.Message);
    }
}
