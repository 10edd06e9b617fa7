using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Client.Credentials;
using OpenIvs.Server.Api;
using OpenIvs.Server.Events;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Events;

/// <summary>
/// A real ffmpeg publisher, and the stream's IVS events as each sink delivers them: EventBridge (moto, a rule on
/// <c>aws.ivs</c> into SQS), a webhook receiver, and the Server-Sent Events stream. Real time: the publisher,
/// the sockets and moto all run on the wall clock.
/// </summary>
public class EventDeliveryEndToEndTests
{
    private const string Secret = "webhook-secret-for-the-e2e-test";

    [Fact]
    public async Task EverySinkSeesTheBroadcastInOrderWithIvsFields()
    {
        await using var moto = await MotoServer.StartAsync();
        var queue = await moto.CreateQueueWithRuleAsync("""{"source": ["aws.ivs"]}""");
        await using var receiver = await EventReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.EventBridgeEndpoint = moto.Endpoint.ToString();
                o.Events.Webhooks = receiver.Url.ToString();
                o.Events.WebhookSecret = Secret;
                o.Ingest.StarvationThreshold = TimeSpan.FromSeconds(1);
            },
            services: s => s.AddSingleton<IAwsCredentialsProvider>(new StaticCredentialsProvider(MotoServer.Credentials)));
        var (arn, key) = await CreateChannelAsync(server, """{"name":"e2e-channel"}""");
        using var subscription = await server.Http.SendAsync(
            server.Sign("GET", $"{EventStreamEndpoint.Path}?channelArn={Uri.EscapeDataString(arn)}", null, server.Root, server.Time.GetUtcNow()),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, subscription.StatusCode);
        var sse = new SseReader(await subscription.Content.ReadAsStreamAsync());

        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 6);
        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key)))
        {
            await WaitUntilStartedAsync(server, arn);
            await publisher.PauseAsync();
            await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "STARVING", "starving");
            await publisher.ResumeAsync();
            await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "HEALTHY", "healthy again");
        }

        string[] expected = ["Session Created", "Stream Start", "Starvation Start", "Starvation End", "Stream End", "Session Ended"];
        var streamId = (string)(await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!["streamId"]!;

        // Webhook: in order, each signed, each with its id in a header.
        var hooked = await receiver.WaitForEventsAsync(e => e.Any(x => (string?)x["detail"]?["event_name"] == "Session Ended"));
        Assert.Equal(expected, hooked.Select(e => (string)e["detail"]!["event_name"]!));
        foreach (var request in receiver.Accepted)
        {
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret), request.Body)), request.Header("X-OpenIVS-Signature"));
            Assert.Equal((string?)request.Json["id"], request.Header("X-OpenIVS-Event-Id"));
        }

        foreach (var e in hooked)
        {
            AssertIvsEnvelope(e, arn, streamId);
        }

        Assert.Equal("IVS Stream Health Change", (string?)hooked[2]["detail-type"]);

        // Server-Sent Events: the same events, in the same order, with increasing positions as ids.
        var streamed = await sse.ReadAsync(expected.Length, TimeSpan.FromSeconds(60));
        Assert.Equal(expected, streamed.Select(m => (string)JsonNode.Parse(m.Data)!["detail"]!["event_name"]!));
        Assert.Equal(hooked.Select(e => (string?)e["id"]), streamed.Select(m => (string?)JsonNode.Parse(m.Data)!["id"]));
        var positions = streamed.Select(m => long.Parse(m.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(positions.Order(), positions);

        // EventBridge -> SQS: a standard queue does not keep order, so compare as a set. EventBridge writes the
        // envelope's id and account itself (those of the PutEvents call); the rest is what OpenIVS put.
        var bridged = await moto.ReceiveAsync(queue, expected.Length);
        Assert.Equal(expected.Order(), bridged.Select(e => (string)e["detail"]!["event_name"]!).Order());
        foreach (var e in bridged)
        {
            Assert.Equal("aws.ivs", (string?)e["source"]);
            Assert.Equal([arn], e["resources"]!.AsArray().Select(r => (string)r!));
            Assert.Equal("e2e-channel", (string?)e["detail"]!["channel_name"]);
            Assert.Equal(streamId, (string?)e["detail"]!["stream_id"]);
            Assert.Equal((string)e["detail"]!["event_name"]! is "Starvation Start" or "Starvation End" ? "IVS Stream Health Change" : "IVS Stream State Change", (string?)e["detail-type"]);
        }
    }

    [Fact]
    public async Task ABasicChannelFedAboveItsBitrateIsABreachThatSaysByHowMuch()
    {
        await using var receiver = await EventReceiver.StartAsync();
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString(), logs: logs);
        var (arn, key) = await CreateChannelAsync(server, """{"type":"BASIC"}""");
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 6000, 8);

        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key));

        var events = await receiver.WaitForEventsAsync(e => e.Any(x => (string?)x["detail"]?["event_name"] == "Session Ended"));
        var breach = events.Single(e => (string?)e["detail-type"] == "IVS Limit Breach");
        Assert.Equal("Ingest Bitrate", (string?)breach["detail"]!["limit_name"]);
        Assert.Equal(3_500_000, (long)breach["detail"]!["limit_value"]!);
        Assert.True((long)breach["detail"]!["exceeded_by"]! > 0);
        Assert.Equal("bits per second", (string?)breach["detail"]!["limit_unit"]);
        Assert.Equal(arn, (string?)breach["resources"]![0]);
        Assert.Equal(
            ["Session Created", "Stream Start", "Ingest Bitrate", "Stream End", "Session Ended"],
            events.Select(e => (string?)e["detail"]!["event_name"] ?? (string)e["detail"]!["limit_name"]!));

        // The log says which limit and by how much, not a bare error.
        var line = logs.Lines.Single(l => l.Contains("ended:", StringComparison.Ordinal));
        Assert.Contains("Ingest Bitrate limit breached", line);
        Assert.Contains($"{(long)breach["detail"]!["exceeded_by"]!} over the limit of 3500000", line);
    }

    [Fact]
    public async Task EventsNotYetDeliveredWhenTheServerStopsAreDeliveredAfterTheRestart()
    {
        await using var receiver = await EventReceiver.StartAsync();
        receiver.Respond = (_, _) => new ReceiverReply(503);
        var directory = TestServer.TempDirectory();
        string arn;
        await using (var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString(), dataDirectory: directory))
        {
            (arn, var key) = await CreateChannelAsync(server);
            await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800, 6), RtmpsUrl(server, key));
            await WaitUntilStartedAsync(server, arn);
            await receiver.Changes.UntilAsync(() => receiver.Received.Count > 0, "a first (refused) delivery attempt", TimeSpan.FromSeconds(30));

            // The server stops with the stream live: it ends the stream and stores its end; nothing is delivered.
        }

        Assert.Empty(receiver.Accepted);
        receiver.Respond = (_, _) => ReceiverReply.Ok;
        await using var restarted = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString(), dataDirectory: directory);

        var events = await receiver.WaitForEventsAsync(e => e.Any(x => (string?)x["detail"]?["event_name"] == "Session Ended"));
        Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], events.Select(e => (string)e["detail"]!["event_name"]!));
        Assert.All(events, e => Assert.Equal(arn, (string?)e["resources"]![0]));
    }

    [Fact]
    public async Task AViewerRefusedAtTheChannelsLimitIsOneAccountLevelBreach()
    {
        await using var server = await TestServer.StartAsync(o => o.Playback.MaxViewersPerChannel = 1);
        var created = await server.CallAsync("CreateChannel", "{}").OkAsync();
        var (arn, key, playbackUrl) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800, 6), RtmpsUrl(server, key));
        await Playback.PlaybackTests.WaitForPlaylistAsync(server, playbackUrl); // the first viewer

        using var second = await server.Http.GetAsync(playbackUrl);
        using var third = await server.Http.GetAsync(playbackUrl);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var breaches = await server.UntilStoredAsync(
            async () => (await server.OutboxEventsAsync()).Where(e => (string?)e["detail-type"] == "IVS Limit Breach").ToList(),
            b => b.Count > 0, "the breach event");
        var breach = Assert.Single(breaches);
        Assert.Equal("Concurrent Viewers", (string?)breach["detail"]!["limit_name"]);
        Assert.Equal(1, (long)breach["detail"]!["limit_value"]!);
        Assert.Equal("viewers", (string?)breach["detail"]!["limit_unit"]);
        Assert.Empty(breach["resources"]!.AsArray());
        Assert.Null(breach["detail"]!["stream_id"]);
        Assert.NotNull(await GetStreamAsync(server, arn));
    }

    private static void AssertIvsEnvelope(JsonNode e, string arn, string streamId)
    {
        Assert.Equal("0", (string?)e["version"]);
        Assert.Equal("aws.ivs", (string?)e["source"]);
        Assert.Equal("000000000000", (string?)e["account"]);
        Assert.Equal("us-west-2", (string?)e["region"]);
        Assert.Matches(@"^[0-9a-f-]{36}$", (string)e["id"]!);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string)e["time"]!);
        Assert.Equal([arn], e["resources"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("e2e-channel", (string?)e["detail"]!["channel_name"]);
        Assert.Equal(streamId, (string?)e["detail"]!["stream_id"]);
    }
}
