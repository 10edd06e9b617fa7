using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Server.Tests.Ingest;
using OpenIvs.Server.Tests.Playback;
using OpenIvs.Server.Transcoding;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Transcoding;

/// <summary>
/// Multitrack video input (Enhanced RTMP, as OBS sends it): a test publisher sends ffmpeg-encoded H.264 tracks; the
/// channel serves each track as a rendition without transcoding, and its multitrackInputConfiguration refuses what
/// it must with IVS's Session Ended codes.
/// </summary>
public partial class TranscodingTests
{
    private const string MultitrackChannel =
        """{"insecureIngest":true,"containerFormat":"FRAGMENTED_MP4","multitrackInputConfiguration":{"enabled":true,"policy":"POLICY","maximumResolution":"MAXIMUM"}}""";

    private static string Multitrack(string policy = "ALLOW", string maximum = "FULL_HD") =>
        MultitrackChannel.Replace("POLICY", policy, StringComparison.Ordinal).Replace("MAXIMUM", maximum, StringComparison.Ordinal);

    [Fact]
    public async Task ThreeVideoTracksAreServedAsThreeRenditionsWithoutTranscoding()
    {
        await using var server = await StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, Multitrack());
        await using var publisher = await MultitrackPublisher.StartAsync(RtmpUrl(server, key), [(1280, 720), (852, 480), (640, 360)]);
        await WaitUntilStartedAsync(server, arn);

        var variants = Variants(await PlaylistWithAsync(server, playbackUrl, 3));
        Assert.Equal(["chunked", "480p30", "360p30"], variants.Select(v => v.Attributes["VIDEO"]));
        Assert.Equal(["1280x720", "852x480", "640x360"], variants.Select(v => v.Attributes["RESOLUTION"]));
        foreach (var variant in variants)
        {
            var mediaUrl = new Uri(new Uri(playbackUrl), variant.Uri).ToString();
            var probe = await ProbeAsync(mediaUrl, MediaPlaylistView.Parse(await server.Http.GetStringAsync(mediaUrl)));
            Assert.Contains($"codec_name=h264|codec_type=video|width={variant.Attributes["RESOLUTION"].Split('x')[0]}|height={variant.Attributes["RESOLUTION"].Split('x')[1]}", probe);
            Assert.Contains("codec_name=aac|codec_type=audio", probe); // every track carries the stream's audio
        }

        // The tracks are the renditions: no ffmpeg runs for this stream, and the stream is still live.
        var stream = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;
        Assert.True(stream.Multitrack);
        Assert.Equal(["720p30", "480p30", "360p30"], stream.Ladder!.Select(r => r.Name));
        await Eventually.ReturnsAsync(() => Task.FromResult(server.Services.GetRequiredService<Transcoder>().Find(stream.StreamId)), t => t is null, "no transcoder");
        var session = await SessionAsync(server, arn);
        Assert.Null(session["endTime"]);
        var ingest = session["ingestConfigurations"]!["videoConfigurations"]!.AsArray();
        Assert.Equal(["Track0:1280x720", "Track1:852x480", "Track2:640x360"], ingest.Select(v => $"{v!["track"]}:{v["videoWidth"]}x{v["videoHeight"]}"));
    }

    private static readonly (int Width, int Height)[] TrackSizes = [(1280, 720), (640, 360), (512, 288), (426, 240), (384, 216), (320, 180)];

    [Theory]
    [InlineData("REQUIRE", "FULL_HD", 1, "MultitrackInputRequired")] // one track: ffmpeg itself
    [InlineData("ALLOW", "SD", 2, "InvalidMultitrackInputVideoTrackMediaProperties")] // 720p above SD
    [InlineData("ALLOW", "FULL_HD", 6, "InvalidMultitrackInputTrackCount")] // more than 5
    [InlineData(null, null, 2, "MultitrackInputNotAllowed")] // multitrack not enabled
    public async Task MultitrackRulesEndTheSessionWithTheirCode(string? policy, string? maximum, int trackCount, string code)
    {
        await using var server = await StartAsync();
        var (arn, key, _) = await GoLiveAsync(server, policy is null ? """{"insecureIngest":true}""" : Multitrack(policy, maximum!));
        var multitrack = trackCount > 1;
        await using var single = multitrack ? null : Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 500), RtmpUrl(server, key), loop: false);
        await using var tracks = multitrack ? await MultitrackPublisher.StartAsync(RtmpUrl(server, key), TrackSizes[..trackCount]) : null;

        var session = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""");
                return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["streamSession"] : null;
            },
            s => s?["endTime"] is not null,
            "the session to end");
        var ended = Assert.Single(session!["truncatedEvents"]!.AsArray(), e => (string?)e!["name"] == "Session Ended");
        Assert.Equal(code, (string?)ended!["code"]);
        if (tracks is not null)
        {
            // The publisher is disconnected (it sees the close on its next read or write), long before its clips end.
            Assert.NotEqual("the clips ended", await tracks.Ended.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
