using Microsoft.Extensions.Time.Testing;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>Attempt and call timeouts (on a fake clock) and cancellation, which is never retried.</summary>
public sealed class TimeoutAndCancellationTests
{
    private static readonly GetChannelRequest Get = new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh" };

    private static Task<HttpResponseMessage> Hang(HttpRequestMessage request, CancellationToken token) =>
        Task.Delay(Timeout.Infinite, token).ContinueWith<HttpResponseMessage>(_ => throw new TaskCanceledException(), TaskScheduler.Default);

    private static async Task WaitForRequests(ScriptedHandler handler, int count)
    {
        while (handler.Requests.Count < count)
        {
            await Task.Yield();
        }
    }

    [Fact]
    public async Task EveryAttemptTimingOutEndsInTimeoutException()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler().Then(Hang).Then(Hang).Then(Hang);
        using var client = TestClients.Create(handler, o =>
        {
            o.TimeProvider = time;
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
        }, []);

        var call = client.GetChannelAsync(Get);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await WaitForRequests(handler, attempt);
            time.Advance(TimeSpan.FromSeconds(5));
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("attempt 3", error.Message);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task CallTimeoutCoversRetriesAndIsNotRetried()
    {
        var time = new FakeTimeProvider();
        var handler = new ScriptedHandler().Then(Hang);
        using var client = TestClients.Create(handler, o =>
        {
            o.TimeProvider = time;
            o.AttemptTimeout = TimeSpan.FromMinutes(1);
            o.Timeout = TimeSpan.FromSeconds(10);
        }, []);

        var call = client.GetChannelAsync(Get);
        await WaitForRequests(handler, 1);
        time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("did not complete within", error.Message);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task CancellationStopsAtOnceWithoutRetry()
    {
        var handler = new ScriptedHandler().Then(Hang);
        using var client = TestClients.Create(handler, delays: []);
        using var cancel = new CancellationTokenSource();

        var call = client.GetChannelAsync(Get, cancel.Token);
        await WaitForRequests(handler, 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task CancellationDuringTheRetryDelayIsHonoured()
    {
        var handler = new ScriptedHandler().Respond(503, "{}", "ServiceUnavailable");
        using var cancel = new CancellationTokenSource();
        using var client = new IvsClient(
            new IvsClientOptions { Region = "us-west-2", Endpoint = new Uri("http://127.0.0.1:1"), Credentials = TestClients.Credentials, HttpClient = new HttpClient(handler) },
            new Runtime.AwsEnvironment(_ => null, Path.GetTempPath()), null, null, () => 0.5, async (_, token) =>
            {
                await cancel.CancelAsync();
                token.ThrowIfCancellationRequested();
            });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetChannelAsync(Get, cancel.Token));
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task AlreadyCanceledTokenSendsNothing()
    {
        var handler = new ScriptedHandler();
        using var client = TestClients.Create(handler, delays: []);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetChannelAsync(Get, new CancellationToken(canceled: true)));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task DisposedClientRefusesCalls()
    {
        var client = TestClients.Create(new ScriptedHandler(), delays: []);
        client.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetChannelAsync(Get));
    }

    [Fact]
    public void InvalidOptionsAreRefusedWithEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new IvsClient(new IvsClientOptions
        {
            Region = "us-west-2",
            AttemptTimeout = TimeSpan.Zero,
            Timeout = TimeSpan.FromSeconds(-1),
            Endpoint = new Uri("ftp://x"),
            Retry = new() { MaxAttempts = 0 },
        }));
        Assert.Contains("AttemptTimeout", error.Message);
        Assert.Contains("Timeout must be positive", error.Message);
        Assert.Contains("Endpoint", error.Message);
        Assert.Contains("MaxAttempts", error.Message);
    }
}
