using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>
/// A tiny HTTP listener on loopback that records each request exactly as received (method, raw path and
/// query, headers, body) and answers <c>200 {}</c> (or a canned answer), which every IVS output accepts.
/// </summary>
public sealed class CapturingEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CapturingEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<CapturedRequest> Requests { get; } = new();

    /// <summary>Answers to give, in order; when empty, <c>200 {}</c>.</summary>
    public ConcurrentQueue<Func<HttpContext, Task>> Answers { get; } = new();

    public static async Task<CapturingEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        CapturingEndpoint? endpoint = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
            endpoint!.Requests.Enqueue(new CapturedRequest(
                context.Request.Method,
                question < 0 ? rawTarget : rawTarget[..question],
                question < 0 ? null : rawTarget[(question + 1)..],
                context.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? string.Empty))).ToList(),
                body.ToArray()));
            if (endpoint.Answers.TryDequeue(out var answer))
            {
                await answer(context);
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            await context.Response.WriteAsync("{}");
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        endpoint = new CapturingEndpoint(app, address);
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record CapturedRequest(string Method, string Path, string? Query, List<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? Header(string name)
    {
        var values = Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }
}
