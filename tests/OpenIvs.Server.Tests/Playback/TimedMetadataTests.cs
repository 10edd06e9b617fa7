using System.Text;
using System.Text.Json.Nodes;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// PutMetadata while a stream is live but before its first keyframe: the cue is in the first segment. Real time:
/// ffmpeg publishes at the media's rate, so the test waits on the playlist it produces (Eventually).
/// </summary>
public class TimedMetadataTests
{
    [Theory]
    [InlineData("FRAGMENTED_MP4")]
    [InlineData("TS")]
    public async Task MetadataSentBeforeTheFirstKeyframeIsInTheFirstSegment(string containerFormat)
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel", $$"""{"insecureIngest":true,"latencyMode":"LOW","containerFormat":"{{containerFormat}}"}""").OkAsync();
        var (arn, key, playbackUrl) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
        await using var publisher = Ffmpeg.PublishWithLateVideo(RtmpUrl(server, key), videoDelaySeconds: 5);

        await server.UntilStoredAsync(() => GetStreamAsync(server, arn), s => s is not null, "the publisher to go live", TimeSpan.FromSeconds(20));
        var payload = $"early-cue-{Guid.NewGuid():N}";
        await server.CallAsync("PutMetadata", new JsonObject { ["channelArn"] = arn, ["metadata"] = payload }.ToJsonString()).OkAsync(204);
        var session = (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!;
        Assert.False(session["truncatedEvents"]!.AsArray().Any(e => (string?)e!["name"] == "Stream Start"),
            "the first keyframe arrived before PutMetadata; the test could not check the early case");

        var multivariant = await WaitForPlaylistAsync(server, playbackUrl);
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant);
        var media = await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync(mediaUrl), text => text.Split('\n').Any(l => l.StartsWith("seg", StringComparison.Ordinal)), "the first segment");
        var firstSegment = media.Split('\n').First(l => l.StartsWith("seg", StringComparison.Ordinal)).Trim();
        var bytes = await server.Http.GetByteArrayAsync(new Uri(new Uri(mediaUrl), firstSegment));

        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(payload)) >= 0, $"{firstSegment} ({bytes.Length} bytes) does not carry the early cue");
        Assert.True(bytes.AsSpan().IndexOf("ID3"u8) >= 0, "no ID3 tag in the first segment");
    }
}
