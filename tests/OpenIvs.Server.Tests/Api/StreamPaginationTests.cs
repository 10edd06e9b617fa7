using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

/// <summary>
/// ListStreams and ListStreamSessions page by a key each item keeps for its life (start time, then stream
/// id), so streams that start and end between pages never make a page skip or repeat an item. Streams are
/// begun and ended on the hub directly (what an RTMP publisher does), on a fake clock so that many start in
/// the same tick (the case a start-time token got wrong).
/// </summary>
public sealed class StreamPaginationTests
{
    [Fact]
    public async Task ListStreamsNeverSkipsOrRepeatsWhileStreamsStartAndEnd()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var hub = server.Services.GetRequiredService<LiveStreamHub>();
        var keys = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            keys.Add((string)(await server.CallAsync("CreateChannel").OkAsync())["streamKey"]!["value"]!);
        }

        // Eight streams go live in the same tick, two more a second later.
        var live = new List<LiveStream>();
        foreach (var key in keys.Take(8))
        {
            live.Add(await BeginAsync(hub, key));
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        live.Add(await BeginAsync(hub, keys[8]));
        live.Add(await BeginAsync(hub, keys[9]));

        var seen = new List<string>();
        var ended = new HashSet<string>();
        var started = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var request = new JsonObject { ["maxResults"] = 2 };
            if (token is not null)
            {
                request["nextToken"] = token;
            }

            var page = await server.CallAsync("ListStreams", request.ToJsonString()).OkAsync();
            var ids = page["streams"]!.AsArray().Select(s => (string)s!["streamId"]!).ToList();
            seen.AddRange(ids);
            token = (string?)page["nextToken"];
            pages++;

            // Between pages: end a stream already listed and one not listed yet; start a new one later in time.
            if (pages <= 2)
            {
                var listed = live.First(s => ids.Contains(s.StreamId));
                var unlisted = live.Last(s => !seen.Contains(s.StreamId) && !ended.Contains(s.StreamId) && !started.Contains(s.StreamId));
                foreach (var stream in new[] { listed, unlisted })
                {
                    await EndAsync(hub, stream);
                    ended.Add(stream.StreamId);
                }

                clock.Advance(TimeSpan.FromSeconds(1));
                var fresh = await BeginAsync(hub, keys[10 + pages - 1]);
                live.Add(fresh);
                started.Add(fresh.StreamId);
            }
        }
        while (token is not null && pages < 50);

        Assert.Null(token);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        var liveThroughout = live.Select(s => s.StreamId).Where(id => !ended.Contains(id) && !started.Contains(id));
        Assert.All(liveThroughout, id => Assert.Contains(id, seen));

        // Streams that went live during the paging come after everything listed before them.
        Assert.Equal(started, seen.TakeLast(started.Count));
        Assert.All(seen, id => Assert.Contains(id, live.Select(s => s.StreamId)));
    }

    [Fact]
    public async Task ListStreamSessionsNeverSkipsOrRepeatsSessionsStartedInTheSameTick()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var hub = server.Services.GetRequiredService<LiveStreamHub>();
        var channel = await server.CallAsync("CreateChannel").OkAsync();
        var arn = (string)channel["channel"]!["arn"]!;
        var key = (string)channel["streamKey"]!["value"]!;
        var sessions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var stream = await BeginAsync(hub, key);
            sessions.Add(stream.StreamId);
            await EndAsync(hub, stream);
        }

        var seen = new List<string>();
        string? token = null;
        var newer = new List<string>();
        do
        {
            var request = new JsonObject { ["channelArn"] = arn, ["maxResults"] = 2 };
            if (token is not null)
            {
                request["nextToken"] = token;
            }

            var page = await server.CallAsync("ListStreamSessions", request.ToJsonString()).OkAsync();
            seen.AddRange(page["streamSessions"]!.AsArray().Select(s => (string)s!["streamId"]!));
            token = (string?)page["nextToken"];

            // A session that begins while paging is newer than every listed one: it is not mixed into later pages.
            clock.Advance(TimeSpan.FromSeconds(1));
            var later = await BeginAsync(hub, key);
            newer.Add(later.StreamId);
            await EndAsync(hub, later);
        }
        while (token is not null && seen.Count < 50);

        Assert.Equal(sessions.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(seen, newer.Contains);
    }

    private static Task<LiveStream> BeginAsync(LiveStreamHub hub, string streamKey)
    {
        var result = hub.TryBegin(streamKey, IngestTransport.Rtmps, () => { });
        Assert.True(result.Accepted, result.Refusal.ToString());
        return Task.FromResult(result.Stream!);
    }

    /// <summary>Ends the stream and waits until its end is stored (the session recorder works off the hub's path).</summary>
    private static Task EndAsync(LiveStreamHub hub, LiveStream stream)
    {
        hub.End(stream, StreamEndReason.PublisherLeft("test"));
        return stream.EndRecorded.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
