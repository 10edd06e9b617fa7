#:project ../../src/OpenIvs.Server/OpenIvs.Server.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false

// Event delivery benchmark: an in-process OpenIVS server with one webhook pointing at an in-process Kestrel
// receiver. Prints delivery throughput (events/s, appended in commits of 100) and the latency from the append's
// commit to the webhook's receipt (p50/p99, one event per commit at a steady pace).
//   dotnet run -c Release bench/events/delivery.cs [throughputEvents=20000] [latencyEvents=500] [latencyRatePerSecond=100]
//   OPENIVS_POSTGRES="Host=...;Username=...;Database=..." dotnet run -c Release bench/events/delivery.cs   (on PostgreSQL)
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIvs.Server.Events;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Storage;

var throughputEvents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var latencyEvents = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var rate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;

// The receiver records when each event id arrived (Stopwatch ticks).
var arrivals = new ConcurrentDictionary<string, long>();
var receiverBuilder = WebApplication.CreateSlimBuilder();
receiverBuilder.Logging.ClearProviders();
receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
var receiver = receiverBuilder.Build();
receiver.Run(async context =>
{
    var id = context.Request.Headers["X-OpenIVS-Event-Id"].ToString();
    await context.Request.Body.CopyToAsync(Stream.Null);
    arrivals.TryAdd(id, Stopwatch.GetTimestamp());
    context.Response.StatusCode = 204;
});
await receiver.StartAsync();

var dataDirectory = Path.Combine(Path.GetTempPath(), "openivs-bench-events-" + Guid.NewGuid().ToString("N"));
var options = new OpenIvsOptions
{
    DataDirectory = dataDirectory,
    Http = $"127.0.0.1:{FreePort()}",
    Rtmp = $"127.0.0.1:{FreePort()}",
    Rtmps = $"127.0.0.1:{FreePort()}",
};
options.Events.Webhooks = receiver.Urls.First() + "/hook";

// OPENIVS_POSTGRES (a connection string) runs the server on PostgreSQL instead of SQLite.
options.Storage.Postgres = Environment.GetEnvironmentVariable("OPENIVS_POSTGRES") ?? string.Empty;
await using var server = await OpenIvsServer.CreateAsync(options, logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
await server.StartAsync();
var store = server.Services.GetRequiredService<DocumentStore>();

// Throughput: commits of 100 events, as fast as the store takes them; the clock stops at the last receipt.
var started = Stopwatch.GetTimestamp();
for (var sent = 0; sent < throughputEvents; sent += 100)
{
    await AppendAsync(Math.Min(100, throughputEvents - sent), null);
}

var appendedIn = Stopwatch.GetElapsedTime(started);
while (arrivals.Count < throughputEvents)
{
    await Task.Delay(10);
}

var deliveredIn = Stopwatch.GetElapsedTime(started);
Console.WriteLine($"throughput: {throughputEvents} events appended in {appendedIn.TotalSeconds:F2} s, all delivered in {deliveredIn.TotalSeconds:F2} s = {throughputEvents / deliveredIn.TotalSeconds:F0} events/s");

// Latency: one event per commit at a steady rate; from the commit's return to the receipt.
arrivals.Clear();
var committed = new ConcurrentDictionary<string, long>();
var interval = TimeSpan.FromSeconds(1.0 / rate);
var next = Stopwatch.GetTimestamp();
for (var i = 0; i < latencyEvents; i++)
{
    await AppendAsync(1, committed);
    next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
    if (wait > TimeSpan.Zero)
    {
        await Task.Delay(wait);
    }
}

while (arrivals.Count < latencyEvents)
{
    await Task.Delay(10);
}

var latencies = committed.Select(c => Stopwatch.GetElapsedTime(c.Value, arrivals[c.Key]).TotalMilliseconds).Order().ToArray();
Console.WriteLine($"latency ({latencyEvents} events at {rate}/s, commit -> webhook receipt): p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms, max {latencies[^1]:F2} ms");

await server.StopAsync();
await receiver.StopAsync();
Directory.Delete(dataDirectory, recursive: true);

double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)];

async Task AppendAsync(int count, ConcurrentDictionary<string, long>? commitTimes)
{
    var events = Enumerable.Range(0, count)
        .Select(_ => IvsEvent.StreamState("Stream Start", "us-west-2", "000000000000", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234", "bench", "st-1", DateTimeOffset.UtcNow))
        .ToList();
    await using var write = await store.BeginWriteAsync(default);
    foreach (var e in events)
    {
        write.AppendEvent(e.ToOutbox());
    }

    await write.CommitAsync(default);
    var now = Stopwatch.GetTimestamp();
    foreach (var e in events)
    {
        commitTimes?.TryAdd(e.Id, now);
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
