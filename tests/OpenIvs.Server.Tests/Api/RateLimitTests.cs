using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

public class RateLimitTests
{
    [Fact]
    public async Task RateLimitsAreOffByDefault()
    {
        await using var server = await TestServer.StartAsync();

        for (var i = 0; i < 20; i++)
        {
            await server.CallAsync("ListChannels").OkAsync();
        }
    }

    [Fact]
    public async Task WhenOnIvsQuotasThrottleAndRefillWithTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(o => o.EnableRateLimits = true, time: clock);

        for (var i = 0; i < 5; i++)
        {
            await server.CallAsync("ListChannels").OkAsync();
        }

        var message = await server.CallAsync("ListChannels").ErrorAsync(429, "ThrottlingException");
        clock.Advance(TimeSpan.FromSeconds(1));
        await server.CallAsync("ListChannels").OkAsync();

        Assert.Equal("Operation: ivs:ListChannels exceeded call rate: 5", message);
    }
}
