using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Ingest.Srt;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>
/// Real SRT publishing (ffmpeg's libsrt caller, MPEG-TS) against an in-process server. Real time: libsrt and
/// ffmpeg run on the wall clock, so waits are on the store's commits (UntilStoredAsync) or on conditions the stream
/// makes true (Eventually).
/// </summary>
public class SrtIngestTests
{
    [Fact]
    public async Task SrtPublishWithTheChannelsPassphraseGoesLiveAndPlays()
    {
        await using var server = await TestServer.StartAsync();
        var (channel, key) = await CreateAsync(server);
        var arn = (string)channel["arn"]!;
        Assert.Equal($"127.0.0.1:{server.Options.SrtEndPoint!.Port}", (string?)channel["srt"]!["endpoint"]);

        await using var publisher = Ffmpeg.PublishSrt(await Ffmpeg.ClipAsync(640, 360, 30, 800), SrtUrl(channel, key));
        var stream = await WaitUntilStartedAsync(server, arn);

        Assert.Equal("LIVE", (string?)stream["state"]);
        Assert.Equal(IngestTransport.Srt, server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!.Transport);
        var session = await Eventually.ReturnsAsync(
            async () => (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!,
            s => s["ingestConfigurations"]?["audioConfigurations"]?.AsArray().Count > 0, "the ingest configuration");
        var video = session["ingestConfigurations"]!["videoConfigurations"]![0]!;
        var audio = session["ingestConfigurations"]!["audioConfigurations"]![0]!;
        Assert.Equal(("avc1.64001E", "High", 640, 360), ((string?)video["codec"], (string?)video["profile"], (int)video["videoWidth"]!, (int)video["videoHeight"]!));
        Assert.Equal(("mp4a.40.2", 48000, 2), ((string?)audio["codec"], (int)audio["sampleRate"]!, (int)audio["channels"]!));

        var playbackUrl = (string)channel["playbackUrl"]!;
        await Playback.PlaybackTests.WaitForPlaylistAsync(server, playbackUrl);
        var (code, probe) = await Playback.PlaybackTests.RunToolAsync("ffprobe", $"-v error -show_entries stream=codec_name,width,height -of compact \"{playbackUrl}\"");
        Assert.True(code == 0, probe);
        Assert.Contains("codec_name=h264|width=640|height=360", probe);
        Assert.Contains("codec_name=aac", probe);
        Assert.False(publisher.HasExited);
    }

    [Fact]
    public async Task WrongPassphraseMissingPassphraseAndWrongKeyAreRefusedWithoutASession()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(logs: logs);
        var (channel, key) = await CreateAsync(server);
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        var port = server.Options.SrtEndPoint!.Port;
        var passphrase = (string)channel["srt"]!["passphrase"]!;

        await using var wrongPassphrase = Ffmpeg.PublishSrt(clip, $"srt://127.0.0.1:{port}?streamid={key}&passphrase={passphrase[..^4]}XXXX&pbkeylen=16", loop: false);
        await using var noPassphrase = Ffmpeg.PublishSrt(clip, $"srt://127.0.0.1:{port}?streamid={key}", loop: false);
        await using var wrongKey = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key[..^4] + "XXXX"), loop: false);

        Assert.NotEqual(0, await wrongPassphrase.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, await noPassphrase.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty((await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{channel["arn"]}}"}""").OkAsync())["streamSessions"]!.AsArray());
        Assert.Empty(await server.OutboxEventsAsync());

        Assert.DoesNotContain(" over SRT", logs.All, StringComparison.Ordinal); // the hub never began a stream (logged synchronously)

        // The wrong key is turned away by the listen callback, before the handshake completes; no secret is logged.
        Assert.Contains("SRT caller for - rejected: unknown stream key", logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(key[^8..], logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(passphrase[^8..], logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondPublisherIsRefusedWhileTheFirstIsLive()
    {
        await using var server = await TestServer.StartAsync();
        var (channel, key) = await CreateAsync(server);
        var arn = (string)channel["arn"]!;
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var first = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key).Replace("pbkeylen=16", "pbkeylen=32", StringComparison.Ordinal)); // AES-256
        var streamId = (string?)(await WaitUntilStartedAsync(server, arn))["streamId"];

        await using var secondOverSrt = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key), loop: false);
        await using var secondOverRtmps = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false);

        Assert.NotEqual(0, await secondOverSrt.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.NotEqual(0, await secondOverRtmps.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(first.HasExited);
        Assert.Equal(streamId, (string?)(await GetStreamAsync(server, arn))!["streamId"]);
        Assert.Single((await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray());
    }

    [Fact]
    public async Task InsecureIngestChannelTakesSrtInTheClearRefusesAPassphraseAndStopStreamDisconnects()
    {
        await using var server = await TestServer.StartAsync();
        var (channel, key) = await CreateAsync(server, """{"insecureIngest":true}""");
        var arn = (string)channel["arn"]!;
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        var passphrase = (string)channel["srt"]!["passphrase"]!;

        await using (var encrypted = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key) + $"&passphrase={passphrase}", loop: false))
        {
            Assert.NotEqual(0, await encrypted.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Empty((await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray());
        await using var publisher = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key));
        await WaitUntilStartedAsync(server, arn);

        await server.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").OkAsync();

        Assert.NotEqual(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is null, "offline after StopStream");
        // Session writes happen off the ingest path: wait for the end to be recorded.
        var names = await server.UntilStoredAsync(
            async () => (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!["truncatedEvents"]!
                .AsArray().Select(e => (string)e!["name"]!).Reverse().ToList(),
            n => n.Contains("Session Ended"), "the session's end to be recorded");
        Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], names);
    }

    [Fact]
    public async Task PacketLossIsRecoveredAndTheStreamStaysLiveAndPlays()
    {
        await using var server = await TestServer.StartAsync();
        var (channel, key) = await CreateAsync(server);
        var arn = (string)channel["arn"]!;
        await using var proxy = new LossyUdpProxy(new IPEndPoint(IPAddress.Loopback, server.Options.SrtEndPoint!.Port), lossRate: 0.03);
        var url = SrtUrl(channel, key).Replace($":{server.Options.SrtEndPoint.Port}?", $":{proxy.Port}?", StringComparison.Ordinal);

        await using var publisher = Ffmpeg.PublishSrt(await Ffmpeg.ClipAsync(640, 360, 30, 800), url);
        await WaitUntilStartedAsync(server, arn);
        var live = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;
        await Eventually.ReturnsAsync(() => Task.FromResult(proxy.Dropped), dropped => dropped >= 30, "packets to be dropped");

        var playbackUrl = (string)channel["playbackUrl"]!;
        await Playback.PlaybackTests.WaitForPlaylistAsync(server, playbackUrl);
        var (code, frames) = await Ffmpeg.RunAsync($"-v error -i \"{playbackUrl}\" -t 3 -map 0:v:0 -f framecrc -", timeout: TimeSpan.FromSeconds(60));
        Assert.True(code == 0, frames);
        Assert.Equal("HEALTHY", (string?)(await GetStreamAsync(server, arn))!["health"]);
        Assert.Same(live, server.Services.GetRequiredService<LiveStreamHub>().Find(arn));
        Assert.False(publisher.HasExited);
        Assert.True(proxy.Dropped >= 30, $"dropped {proxy.Dropped} of {proxy.Forwarded + proxy.Dropped}");
    }

    [Fact]
    public async Task HevcOverSrtEndsTheSessionWithAStreamFailureNamingTheCodec()
    {
        await using var server = await TestServer.StartAsync();
        var (channel, key) = await CreateAsync(server);
        var arn = (string)channel["arn"]!;
        var clip = Path.Combine(TestServer.TempDirectory(), "hevc.ts");
        var (made, error) = await Ffmpeg.RunAsync(
            $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -c:v libx265 -preset ultrafast -x265-params log-level=error -t 2 -f mpegts {clip}");
        Assert.True(made == 0, error);

        await using var publisher = Ffmpeg.PublishSrt(clip, SrtUrl(channel, key), loop: false);

        var names = await server.UntilStoredAsync(
            async () => (await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray().Count == 0
                ? []
                : (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!["truncatedEvents"]!
                    .AsArray().Select(e => (string)e!["name"]!).Reverse().ToList(),
            n => n.Contains("Session Ended"), "the session to end");
        Assert.Equal(["Session Created", "Stream Failure", "Session Ended"], names);
        var failure = (await server.OutboxEventsAsync()).Single(e => (string?)e["detail"]!["event_name"] == "Stream Failure");
        Assert.Contains("0x24", (string?)failure["detail"]!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoppingTheServerEndsSrtStreamsAsAShutdownAndDisconnectsTheEncoder()
    {
        var server = await TestServer.StartAsync();
        Ffmpeg.Publisher? publisher = null;
        try
        {
            var (channel, key) = await CreateAsync(server);
            var arn = (string)channel["arn"]!;
            publisher = Ffmpeg.PublishSrt(await Ffmpeg.ClipAsync(640, 360, 30, 800, 5), SrtUrl(channel, key));
            await WaitUntilStartedAsync(server, arn);
            var stream = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;

            await server.DisposeAsync();

            Assert.Equal(StreamEndKind.Shutdown, stream.EndRequest!.Kind);
            Assert.NotEqual(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (publisher is not null)
            {
                await publisher.DisposeAsync();
            }

            await server.DisposeAsync();
        }
    }

    [Fact]
    public void StreamIdTakesTheBareKeyOrTheAccessControlForm()
    {
        Assert.True(SrtStreamId.TryGetStreamKey("sk_us-west-2_abc", out var plain));
        Assert.Equal("sk_us-west-2_abc", plain);
        Assert.True(SrtStreamId.TryGetStreamKey("#!::r=sk_us-west-2_abc,m=publish", out var structured));
        Assert.Equal("sk_us-west-2_abc", structured);
        Assert.False(SrtStreamId.TryGetStreamKey("#!::r=sk_us-west-2_abc,m=request", out _));
        Assert.False(SrtStreamId.TryGetStreamKey("#!::m=publish", out _));
        Assert.False(SrtStreamId.TryGetStreamKey(string.Empty, out _));
    }

    private static async Task<(JsonNode Channel, string Key)> CreateAsync(TestServer server, string body = "{}")
    {
        var created = await server.CallAsync("CreateChannel", body).OkAsync();
        return (created["channel"]!, (string)created["streamKey"]!["value"]!);
    }

    /// <summary>The URL IVS documents, from the channel's own srt.endpoint and passphrase (none with insecureIngest).</summary>
    private static string SrtUrl(JsonNode channel, string key)
    {
        var endpoint = (string)channel["srt"]!["endpoint"]!;
        var url = $"srt://{endpoint}{(endpoint.Contains(':', StringComparison.Ordinal) ? string.Empty : ":9000")}?streamid={key}";
        return channel["insecureIngest"]?.GetValue<bool>() == true ? url : url + $"&passphrase={channel["srt"]!["passphrase"]}&pbkeylen=16";
    }
}
