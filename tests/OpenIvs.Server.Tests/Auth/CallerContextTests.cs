using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;
using OpenIvs.Server.Api;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Auth;

/// <summary>
/// The caller is passed to the service explicitly; without one (a call from outside an API request), every
/// per-item check is refused rather than granted.
/// </summary>
public sealed class CallerContextTests
{
    private const string ChannelArn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCD1234";

    [Fact]
    public void NoCallerIsDenied()
    {
        Assert.False(CallerContext.None.Allows("ivs:BatchGetChannel", ChannelArn));
        Assert.False(default(CallerContext).Allows("ivs:BatchGetChannel", ChannelArn));
    }

    [Fact]
    public void TheAuthorizerDecidesForACaller()
    {
        Assert.True(new CallerContext(null, new AllowAllAccess()).Allows("ivs:BatchGetChannel", ChannelArn));
    }

    [Fact]
    public async Task ThePolicyAuthorizerRefusesAnAnonymousCaller()
    {
        var authorizer = new PolicyAuthorizer(
            new ResourceCatalog(new ResourceTables(), "us-west-2", "123456789012"), NullLogger<PolicyAuthorizer>.Instance);

        Assert.False(new CallerContext(null, authorizer).Allows("ivs:BatchGetChannel", ChannelArn));
        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            authorizer.AuthorizeAsync(null, "request", IvsOperations.GetChannel, new GetChannelRequest { Arn = ChannelArn }, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task BatchOperationsCalledWithoutACallerReturnNothing()
    {
        await using var server = await TestServer.StartAsync();
        var service = server.Services.GetRequiredService<IIvsService>();
        var channel = (await service.CreateChannelAsync(new CreateChannelRequest(), CallerContext.None, CancellationToken.None)).Channel!;

        var channels = await service.BatchGetChannelAsync(new BatchGetChannelRequest { Arns = [channel.Arn!] }, CallerContext.None, CancellationToken.None);
        var keys = await service.BatchGetStreamKeyAsync(
            new BatchGetStreamKeyRequest { Arns = [channel.Arn!.Replace(":channel/", ":stream-key/", StringComparison.Ordinal)] }, CallerContext.None, CancellationToken.None);
        var revocations = await service.BatchStartViewerSessionRevocationAsync(
            new BatchStartViewerSessionRevocationRequest { ViewerSessions = [new() { ChannelArn = channel.Arn, ViewerId = "v" }] },
            CallerContext.None,
            CancellationToken.None);

        Assert.Empty(channels.Channels!);
        Assert.Equal(AccessDeniedException.Code, Assert.Single(channels.Errors!).Code);
        Assert.Equal(AccessDeniedException.Code, Assert.Single(keys.Errors!).Code);
        Assert.Equal("403", Assert.Single(revocations.Errors!).Code);

        var allowed = await service.BatchGetChannelAsync(
            new BatchGetChannelRequest { Arns = [channel.Arn!] }, new CallerContext(null, new AllowAllAccess()), CancellationToken.None);
        Assert.Equal(channel.Arn, Assert.Single(allowed.Channels!).Arn);
    }
}
