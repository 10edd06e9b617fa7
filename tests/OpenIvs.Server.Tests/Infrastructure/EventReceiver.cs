using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A real HTTP receiver for webhook deliveries: Kestrel on a free loopback port, recording every request.
/// For end-to-end tests:
/// <code>
/// await using var receiver = await EventReceiver.StartAsync();
/// await using var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString());
/// var events = await receiver.WaitForEventsAsync(e => (string?)e["detail"]?["event_name"] == "Session Ended");
/// </code>
/// <see cref="Respond"/> chooses the answer to each request (by its 0-based number): 200 by default, or a status,
/// a hang, a connection reset, a redirect. <see cref="Accepted"/> holds the requests answered 2xx.
/// </summary>
public sealed class EventReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<ReceivedRequest> _accepted = new();
    private int _count;

    /// <summary>Notified at each request received and each answered.</summary>
    public Changes Changes { get; } = new();

    private EventReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The answer to request number n (0-based), by default 200.</summary>
    public Func<ReceivedRequest, int, ReceiverReply> Respond { get; set; } = (_, _) => ReceiverReply.Ok;

    public Uri BaseAddress { get; }

    /// <summary>The URL to give OpenIVS as a webhook.</summary>
    public Uri Url => new(BaseAddress, "/hook");

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public IReadOnlyList<ReceivedRequest> Accepted => [.. _accepted];

    public static async Task<EventReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        EventReceiver? receiver = null;
        app.Run(context => receiver!.HandleAsync(context));
        await app.StartAsync();
        receiver = new EventReceiver(app, new Uri(app.Urls.First()));
        return receiver;
    }

    /// <summary>Waits until the accepted events (parsed JSON, in arrival order) satisfy <paramref name="done"/>.</summary>
    public async Task<List<JsonNode>> WaitForEventsAsync(Func<List<JsonNode>, bool> done, TimeSpan? within = null)
    {
        return await Changes.UntilAsync(() => Accepted.Where(r => r.Path == Url.AbsolutePath).Select(r => r.Json).ToList(), done, "webhook events", within);
    }

    public Task<List<JsonNode>> WaitForEventsAsync(int count, TimeSpan? within = null) => WaitForEventsAsync(e => e.Count >= count, within);

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new ReceivedRequest(
            context.Request.Path.Value ?? "/",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        _received.Enqueue(request);
        Changes.Notify();
        var reply = Respond(request, Interlocked.Increment(ref _count) - 1);
        if (reply.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (reply.Reset)
        {
            context.Abort();
            return;
        }

        if (reply.Status is >= 200 and < 300)
        {
            _accepted.Enqueue(request);
            Changes.Notify();
        }

        context.Response.StatusCode = reply.Status;
        if (reply.Location is not null)
        {
            context.Response.Headers.Location = new Uri(BaseAddress, reply.Location).ToString();
        }

        if (reply.Body is not null)
        {
            context.Response.ContentType = reply.ContentType;
            await context.Response.WriteAsync(reply.Body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>How the receiver answers one request.</summary>
public sealed record ReceiverReply(int Status, bool Hang = false, bool Reset = false, string? Location = null, string? Body = null, string ContentType = "application/json")
{
    public static ReceiverReply Ok { get; } = new(200);

    public static ReceiverReply ServerError { get; } = new(500);

    public static ReceiverReply Hangs { get; } = new(0, Hang: true);

    public static ReceiverReply Resets { get; } = new(0, Reset: true);

    /// <summary>302 to a path of this receiver (which would accept it: a sink must not follow).</summary>
    public static ReceiverReply Redirect { get; } = new(302, Location: "/redirected");
}
