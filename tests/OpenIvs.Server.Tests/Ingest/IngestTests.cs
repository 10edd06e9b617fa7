using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>
/// Real RTMP and RTMPS publishing with ffmpeg against an in-process server. Real time: ffmpeg publishes at the
/// media's own rate, so waits are on the store's commits (the live side's changes come with events: UntilStoredAsync)
/// or on conditions the media makes true (Eventually); timeouts are jumped over with a RunningClock.
/// </summary>
public class IngestTests
{
    [Fact]
    public async Task RtmpsPublishGoesLiveWithTheIngestConfigurationFfmpegWasGiven()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 2500);

        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        var stream = (await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is not null, "the channel to go live"))!;
        // Let the 5-second measurement window fill before reading the bitrate.
        var session = await Eventually.ReturnsAsync(
            () => SessionAsync(server, arn),
            s => (long?)s["ingestConfigurations"]?["videoConfigurations"]?[0]?["targetBitrate"] > 0
                 && server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!.Metrics.CompleteSeconds >= 5,
            "five seconds of measurements");
        session = await SessionAsync(server, arn);

        Assert.Equal("LIVE", (string?)stream["state"]);
        Assert.Equal("HEALTHY", (string?)stream["health"]);
        Assert.Matches("^st-[a-zA-Z0-9]{23}$", (string)stream["streamId"]!);
        var video = session["ingestConfigurations"]!["videoConfigurations"]![0]!;
        var audio = session["ingestConfigurations"]!["audioConfigurations"]![0]!;
        Assert.Equal("avc1.64001F", (string?)video["codec"]);
        Assert.Equal("High", (string?)video["profile"]);
        Assert.Equal(1280, (int)video["videoWidth"]!);
        Assert.Equal(720, (int)video["videoHeight"]!);
        Assert.Equal(30, (int)video["targetFramerate"]!);
        Assert.StartsWith("Lavf", (string)video["encoder"]!);
        Assert.InRange((long)video["targetBitrate"]!, 2_000_000, 3_000_000);
        Assert.Equal("mp4a.40.2", (string?)audio["codec"]);
        Assert.Equal(48000, (int)audio["sampleRate"]!);
        Assert.Equal(2, (int)audio["channels"]!);

        // Live within 3 s of the first keyframe: the clip starts with one, so Stream Start follows Session Created closely.
        var events = session["truncatedEvents"]!.AsArray().Reverse().ToList();
        var created = (DateTimeOffset)events.First(e => (string?)e!["name"] == "Session Created")!["eventTime"]!;
        var started = (DateTimeOffset)events.First(e => (string?)e!["name"] == "Stream Start")!["eventTime"]!;
        Assert.InRange(started - created, TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task WrongKeyAndPlainRtmpToASecureChannelAreRefusedWithoutASession()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);

        await using var wrongKey = Ffmpeg.Publish(clip, RtmpsUrl(server, key[..^4] + "XXXX"), loop: false);
        await using var plain = Ffmpeg.Publish(clip, RtmpUrl(server, key), loop: false);

        Assert.NotEqual(0, await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, await plain.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty((await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray());
        Assert.Empty(await server.OutboxEventsAsync());
        Assert.DoesNotContain(key, await wrongKey.ErrorsAsync());
    }

    [Fact]
    public async Task InsecureIngestChannelAcceptsPlainRtmp()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server, """{"insecureIngest":true}""");
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);

        await using var publisher = Ffmpeg.Publish(clip, RtmpUrl(server, key));

        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is not null, "the channel to go live over RTMP");
    }

    [Fact]
    public async Task SecondPublisherIsRefusedWhileTheFirstIsLive()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var first = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        var stream = await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is not null, "the first publisher to go live");

        await using var second = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false);

        Assert.NotEqual(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(first.HasExited);
        Assert.Equal((string?)stream!["streamId"], (string?)(await GetStreamAsync(server, arn))!["streamId"]);
    }

    [Fact]
    public async Task StopStreamEndsTheStreamAndAReconnectGetsANewStreamId()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var first = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        var firstId = (string)(await WaitUntilStartedAsync(server, arn))["streamId"]!;

        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{arn}}"}""").ErrorAsync(409, "ConflictException");
        await server.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").OkAsync();
        await server.CallAsync("GetStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        Assert.NotEqual(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        await using var second = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        var secondId = (string)(await WaitUntilStartedAsync(server, arn))["streamId"]!;
        Assert.NotEqual(firstId, secondId);

        var sessions = (await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray();
        Assert.Equal([secondId, firstId], sessions.Select(s => (string)s!["streamId"]!));
        Assert.Null(sessions[0]!["endTime"]);
        Assert.NotNull(sessions[1]!["endTime"]);
        var ended = (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}","streamId":"{{firstId}}"}""").OkAsync())["streamSession"]!;
        Assert.Equal(["Session Ended", "Stream End", "Stream Start", "Session Created"], ended["truncatedEvents"]!.AsArray().Select(e => (string)e!["name"]!));
        Assert.Equal(arn, (string?)ended["channel"]!["arn"]);
    }

    [Fact]
    public async Task PublisherLeavingEndsTheSessionAndTheChannelGoesOffline()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 4);

        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            await WaitUntilStartedAsync(server, arn);
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is null, "offline");
        var session = await WaitUntilEndStoredAsync(server, arn);
        Assert.NotNull(session["endTime"]);
        Assert.Equal("Session Ended", (string?)session["truncatedEvents"]![0]!["name"]);

        var outbox = await server.OutboxEventsAsync();
        Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], outbox.OrderBy(e => (string)e["time"]!).Select(e => (string)e["detail"]!["event_name"]!).Distinct());
        foreach (var e in outbox)
        {
            Assert.Equal("0", (string?)e["version"]);
            Assert.Equal("aws.ivs", (string?)e["source"]);
            Assert.Equal("IVS Stream State Change", (string?)e["detail-type"]);
            Assert.Equal("000000000000", (string?)e["account"]);
            Assert.Equal("us-west-2", (string?)e["region"]);
            Assert.Equal(arn, (string?)e["resources"]![0]);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string)e["time"]!);
            Assert.Equal((string?)session["streamId"], (string?)e["detail"]!["stream_id"]);
            Assert.Equal(string.Empty, (string?)e["detail"]!["channel_name"]);
        }
    }

    [Fact]
    public async Task StalledEncoderTurnsStarvingThenHealthyAndIsCutOffWhenIdle()
    {
        // IVS's thresholds (2 s starving, 30 s idle): the clock jumps over them while the encoder is frozen.
        await using var clock = RunningClock.Start();
        await using var server = await TestServer.StartAsync(time: clock.Time);
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        await WaitUntilStartedAsync(server, arn);

        await publisher.PauseAsync();
        clock.Jump(server.Options.Ingest.StarvationThreshold + TimeSpan.FromSeconds(1));
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "STARVING", "starving");
        await publisher.ResumeAsync();
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "HEALTHY", "healthy again");
        await publisher.PauseAsync();
        clock.Jump(server.Options.Ingest.StarvationThreshold + TimeSpan.FromSeconds(1)); // starving first, as in real time
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "STARVING", "starving again");
        clock.Jump(server.Options.Ingest.IdleTimeout);
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is null, "disconnected after the idle timeout");
        await WaitUntilEndStoredAsync(server, arn);

        var names = (await SessionAsync(server, arn))["truncatedEvents"]!.AsArray().Select(e => (string)e!["name"]!).Reverse().ToList();
        Assert.Equal(["Session Created", "Stream Start", "Starvation Start", "Starvation End", "Starvation Start", "Stream End", "Session Ended"], names);
    }

    [Fact]
    public async Task PictureLargerThanTheChannelAllowsIsALimitBreachAndDisconnects()
    {
        await using var server = await TestServer.StartAsync(o => o.Ingest.MaxPixels = 640 * 360);
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 1500, 5);

        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false);

        Assert.NotEqual(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var session = await WaitUntilEndStoredAsync(server, arn);
        var breach = (await server.OutboxEventsAsync()).Single(e => (string?)e["detail-type"] == "IVS Limit Breach");
        Assert.Equal("Ingest Resolution", (string?)breach["detail"]!["limit_name"]);
        Assert.Equal(640 * 360, (long)breach["detail"]!["limit_value"]!);
        Assert.Equal(1280 * 720 - 640 * 360, (long)breach["detail"]!["exceeded_by"]!);
        Assert.Equal("total pixels", (string?)breach["detail"]!["limit_unit"]);
        Assert.Contains(session["truncatedEvents"]!.AsArray(), e => (string?)e!["name"] == "Ingest Resolution");
        Assert.True((bool)(await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]![0]!["hasErrorEvent"]!);
    }

    [Fact]
    public async Task ConcurrentBroadcastQuotaRefusesTheNextStreamWithAnAccountLevelEvent()
    {
        await using var server = await TestServer.StartAsync(o => o.Quotas.ConcurrentStreams = 1);
        var (first, firstKey) = await CreateChannelAsync(server);
        var (second, secondKey) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var live = Ffmpeg.Publish(clip, RtmpsUrl(server, firstKey));
        await server.UntilStoredAsync(() => GetStreamAsync(server, first), s => s is not null, "first channel live");

        await using var refused = Ffmpeg.Publish(clip, RtmpsUrl(server, secondKey), loop: false);

        Assert.NotEqual(0, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await server.CallAsync("GetStream", $$"""{"channelArn":"{{second}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        // The refusal is immediate; its event is stored a moment later, off the ingest path.
        var breach = (await server.UntilStoredAsync(server.OutboxEventsAsync, e => e.Any(x => (string?)x["detail-type"] == "IVS Limit Breach"), "the breach event"))
            .Single(e => (string?)e["detail-type"] == "IVS Limit Breach");
        Assert.Equal("Concurrent Broadcasts", (string?)breach["detail"]!["limit_name"]);
        Assert.Equal("active streams", (string?)breach["detail"]!["limit_unit"]);
        Assert.Empty(breach["resources"]!.AsArray());
        Assert.Null(breach["detail"]!["channel_name"]);
    }

    [Fact]
    public async Task ListStreamsFiltersByHealth()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await CreateChannelAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key));
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => (string?)s?["health"] == "HEALTHY", "healthy");

        var healthy = await server.CallAsync("ListStreams", """{"filterBy":{"health":"HEALTHY"}}""").OkAsync();
        var starving = await server.CallAsync("ListStreams", """{"filterBy":{"health":"STARVING"}}""").OkAsync();

        Assert.Equal(arn, (string?)healthy["streams"]!.AsArray().Single()!["channelArn"]);
        Assert.Empty(starving["streams"]!.AsArray());
    }

    internal static async Task<(string Arn, string Key)> CreateChannelAsync(TestServer server, string body = "{}")
    {
        var created = await server.CallAsync("CreateChannel", body).OkAsync();
        return ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!);
    }

    internal static string RtmpsUrl(TestServer server, string key) => $"rtmps://127.0.0.1:{server.Options.RtmpsEndPoint.Port}/app/{key}";

    internal static string RtmpUrl(TestServer server, string key) => $"rtmp://127.0.0.1:{server.Options.RtmpEndPoint.Port}/app/{key}";

    /// <summary>Waits for the stream's first keyframe to be processed (the Stream Start event), and returns the stream.</summary>
    internal static async Task<JsonNode> WaitUntilStartedAsync(TestServer server, string arn)
    {
        await server.UntilStoredAsync(
            async () => await GetStreamAsync(server, arn) is null ? null : await SessionAsync(server, arn),
            s => s?["truncatedEvents"]?.AsArray().Any(e => (string?)e!["name"] == "Stream Start") == true,
            "the stream to start");
        return (await GetStreamAsync(server, arn))!;
    }

    /// <summary>The channel's latest session once its end is stored (the session recorder works off the ingest path).</summary>
    internal static Task<JsonNode> WaitUntilEndStoredAsync(TestServer server, string arn) =>
        server.UntilStoredAsync(() => SessionAsync(server, arn), s => s["endTime"] is not null, "the session's end to be stored");

    internal static async Task<JsonNode?> GetStreamAsync(TestServer server, string arn)
    {
        using var response = await server.CallAsync("GetStream", $$"""{"channelArn":"{{arn}}"}""");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["stream"] : null;
    }

    private static async Task<JsonNode> SessionAsync(TestServer server, string arn) =>
        (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!;
}
