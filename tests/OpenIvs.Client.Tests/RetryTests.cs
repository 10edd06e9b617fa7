using System.Net.Sockets;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>
/// The standard retry mode: against the real server with injected faults (throttling, 5xx), and against
/// scripted responses for network errors, backoff, the retry quota and the attempt header. Delays are
/// recorded through the injected delay, never waited.
/// </summary>
public sealed class RetryTests
{
    private static readonly GetChannelRequest Get = new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh" };

    [Fact]
    public async Task ThrottlingTwiceThenSuccessAgainstTheServer()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var setup = server.CreateClient();
        var channel = (await setup.CreateChannelAsync(new() { Name = "retry" })).Channel!;
        await server.InjectFaultAsync("GetChannel", "ThrottlingException", 2);
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(new IvsClientOptions { Region = server.Region, Endpoint = server.Endpoint, Credentials = server.Root }, delays);

        var response = await client.GetChannelAsync(new() { Arn = channel.Arn });

        Assert.Equal(channel.Arn, response.Channel!.Arn);
        Assert.Equal([TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000)], delays);
        Assert.Equal(495, client.RetryQuotaAvailable); // 500 - 5 - 5, then the success gives back its last retry's 5
    }

    [Fact]
    public async Task ThrottlingOnEveryAttemptSurfacesAfterThreeAttempts()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var setup = server.CreateClient();
        var channel = (await setup.CreateChannelAsync(new() { Name = "retry" })).Channel!;
        await server.InjectFaultAsync("GetChannel", "ThrottlingException", 3);
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(new IvsClientOptions { Region = server.Region, Endpoint = server.Endpoint, Credentials = server.Root }, delays);

        var error = await Assert.ThrowsAsync<ThrottlingException>(() => client.GetChannelAsync(new() { Arn = channel.Arn }));

        Assert.Equal(429, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.NotNull(error.RequestId);
        Assert.Equal(2, delays.Count);
        Assert.Equal(490, client.RetryQuotaAvailable);

        // The fault is used up: the next call goes through at once.
        Assert.Equal(channel.Arn, (await client.GetChannelAsync(new() { Arn = channel.Arn })).Channel!.Arn);
    }

    [Fact]
    public async Task ServerErrorIsRetriedAndValidationErrorIsNot()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var setup = server.CreateClient();
        var channel = (await setup.CreateChannelAsync(new() { Name = "retry" })).Channel!;
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(new IvsClientOptions { Region = server.Region, Endpoint = server.Endpoint, Credentials = server.Root }, delays);

        await server.InjectFaultAsync("GetChannel", "InternalServerException", 1);
        Assert.NotNull((await client.GetChannelAsync(new() { Arn = channel.Arn })).Channel);
        Assert.Single(delays);

        await server.InjectFaultAsync("GetChannel", "ValidationException", 1);
        await Assert.ThrowsAsync<ValidationException>(() => client.GetChannelAsync(new() { Arn = channel.Arn }));
        Assert.Single(delays);
    }

    [Fact]
    public async Task BackoffIsExponentialWithFullJitterAndCapped()
    {
        var handler = new ScriptedHandler();
        for (var i = 0; i < 5; i++)
        {
            handler.Respond(503, "{}", "ServiceUnavailable");
        }

        handler.Respond(200, """{"channel":{"arn":"x"}}""");
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(handler, o =>
        {
            o.Retry.MaxAttempts = 6;
            o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
            o.Retry.MaxBackoff = TimeSpan.FromSeconds(5);
        }, delays, jitter: 1.0);

        await client.GetChannelAsync(Get);

        Assert.Equal(new[] { 1, 2, 4, 5, 5 }.Select(s => TimeSpan.FromSeconds(s)), delays);
        Assert.Equal(
            ["attempt=1; max=6", "attempt=2; max=6", "attempt=3; max=6", "attempt=4; max=6", "attempt=5; max=6", "attempt=6; max=6"],
            handler.Requests.Select(r => string.Join(",", r.Request.Headers.GetValues("amz-sdk-request"))));
        Assert.Single(handler.Requests.Select(r => r.Request.Headers.GetValues("amz-sdk-invocation-id").Single()).Distinct());
    }

    [Fact]
    public async Task JitterIsDrawnFromZeroToTheCeiling()
    {
        var handler = new ScriptedHandler().Respond(500, "{}", "InternalServerException").Respond(200);
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(handler, delays: delays, jitter: 0.0);

        await client.GetChannelAsync(Get);

        Assert.Equal([TimeSpan.Zero], delays);
    }

    [Fact]
    public async Task TransientNetworkErrorsAreRetried()
    {
        var handler = new ScriptedHandler()
            .Throw(new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)))
            .Throw(new HttpRequestException(HttpRequestError.ResponseEnded, "ended"))
            .Respond(200, """{"channel":{"arn":"ok"}}""");
        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(handler, delays: delays);

        Assert.Equal("ok", (await client.GetChannelAsync(Get)).Channel!.Arn);
        Assert.Equal(2, delays.Count);
    }

    [Fact]
    public async Task NetworkErrorAfterTheLastAttemptSurfacesAsItself()
    {
        var handler = new ScriptedHandler();
        for (var i = 0; i < 3; i++)
        {
            handler.Throw(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));
        }

        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetChannelAsync(Get));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task TlsFailuresAreNotRetried()
    {
        var handler = new ScriptedHandler().Throw(new HttpRequestException(HttpRequestError.SecureConnectionError, "bad certificate"));
        using var client = TestClients.Create(handler, delays: []);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetChannelAsync(Get));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task RetryQuotaStopsRetriesWhenExhausted()
    {
        var handler = new ScriptedHandler();
        for (var i = 0; i < 4; i++)
        {
            handler.Respond(500, "{}", "InternalServerException");
        }

        var delays = new List<TimeSpan>();
        using var client = TestClients.Create(handler, o => o.Retry.QuotaCapacity = 7, delays);

        // First call: one retry takes 5 of 7 tokens; the second retry would need 5 more: refused.
        await Assert.ThrowsAsync<InternalServerException>(() => client.GetChannelAsync(Get));
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(2, client.RetryQuotaAvailable);

        // Second call: no tokens for even one retry.
        await Assert.ThrowsAsync<InternalServerException>(() => client.GetChannelAsync(Get));
        Assert.Equal(3, handler.Requests.Count);
        Assert.Single(delays);
    }

    [Fact]
    public async Task SuccessRefillsTheQuota()
    {
        var handler = new ScriptedHandler().Respond(500, "{}", "InternalServerException").Respond(500, "{}", "InternalServerException").Respond(200).Respond(200);
        using var client = TestClients.Create(handler, o => o.Retry.QuotaCapacity = 20, []);

        await client.GetChannelAsync(Get);
        Assert.Equal(15, client.RetryQuotaAvailable); // two retries took 10, the success gave back the last one's 5
        await client.GetChannelAsync(Get);
        Assert.Equal(16, client.RetryQuotaAvailable); // a success without retries gives back 1
    }

    [Fact]
    public async Task TimeoutsCostMoreQuota()
    {
        var handler = new ScriptedHandler()
            .Then(async (_, token) =>
            {
                await Task.Delay(Timeout.Infinite, token);
                throw new InvalidOperationException("unreachable");
            })
            .Respond(200);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var client = TestClients.Create(handler, o =>
        {
            o.TimeProvider = time;
            o.AttemptTimeout = TimeSpan.FromSeconds(10);
            o.Retry.QuotaCapacity = 100;
        }, []);

        var call = client.GetChannelAsync(Get);
        while (handler.Requests.Count == 0)
        {
            await Task.Yield();
        }

        time.Advance(TimeSpan.FromSeconds(11));
        await call;

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(100, client.RetryQuotaAvailable);
    }

    [Fact]
    public async Task MaxAttemptsOfOneNeverRetries()
    {
        var handler = new ScriptedHandler().Respond(503, "{}", "ServiceUnavailable");
        using var client = TestClients.Create(handler, o => o.Retry.MaxAttempts = 1, []);

        await Assert.ThrowsAsync<ServiceUnavailable>(() => client.GetChannelAsync(Get));
        Assert.Equal("attempt=1; max=1", handler.Requests.Single().Request.Headers.GetValues("amz-sdk-request").Single());
    }

    [Fact]
    public async Task EachAttemptIsSignedAfresh()
    {
        var handler = new ScriptedHandler().Respond(429, "{}", "ThrottlingException").Respond(200);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var delays = new List<TimeSpan>();
        using var client = new IvsClient(
            new IvsClientOptions { Region = "us-west-2", Endpoint = new Uri("http://127.0.0.1:1"), Credentials = TestClients.Credentials, HttpClient = new HttpClient(handler), TimeProvider = time },
            new Runtime.AwsEnvironment(_ => null, Path.GetTempPath()), null, null, () => 0.5, (delay, _) =>
            {
                time.Advance(TimeSpan.FromSeconds(7));
                return Task.CompletedTask;
            });

        await client.GetChannelAsync(Get);

        var dates = handler.Requests.Select(r => r.Request.Headers.GetValues("x-amz-date").Single()).ToList();
        Assert.Equal(["20260102T030405Z", "20260102T030412Z"], dates);
        Assert.NotEqual(
            handler.Requests[0].Request.Headers.GetValues("Authorization").Single(),
            handler.Requests[1].Request.Headers.GetValues("Authorization").Single());
    }
}
