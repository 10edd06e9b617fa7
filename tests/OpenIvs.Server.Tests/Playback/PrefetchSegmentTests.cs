using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// The IVS web player's dialect beside LL-HLS (docs/playback.md, "The IVS web player"): #EXT-X-PREFETCH lines for the
/// open and the next segment, each streamed chunked while it is written with exactly the bytes of the complete segment;
/// TS segments that start with an ID3 timestamp tag; playlists for that player answered at a segment start. Real time,
/// with ffmpeg publishing over RTMP.
/// </summary>
public partial class PrefetchSegmentTests
{
    private const string IvsPlayerAccept = "application/x-mpegURL, application/vnd.apple.mpegurl, application/json, text/plain";

    [Theory]
    [InlineData("TS")]
    [InlineData("FRAGMENTED_MP4")]
    public async Task PrefetchSegmentsStreamWhileWrittenWithTheCompleteSegmentsBytes(string containerFormat)
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel", $$"""{"insecureIngest":true,"containerFormat":"{{containerFormat}}","latencyMode":"LOW"}""").OkAsync();
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, (string)created["streamKey"]!["value"]!));
        await WaitUntilStartedAsync(server, (string)created["channel"]!["arn"]!);
        var playbackUrl = (string)created["channel"]!["playbackUrl"]!;
        var mediaUrl = MediaPlaylistUrl(playbackUrl, await WaitForPlaylistAsync(server, playbackUrl));

        var playlist = await server.Http.GetStringAsync(mediaUrl);
        var prefetch = PrefetchLine().Matches(playlist).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(2, prefetch.Length);
        var open = long.Parse(SegmentNumber().Match(prefetch[0]).Value);
        Assert.Equal($"seg{open + 1}", Path.GetFileNameWithoutExtension(prefetch[1]));
        Assert.DoesNotContain($"\n{prefetch[0]}\n", playlist, StringComparison.Ordinal); // not listed as a complete segment
        Assert.EndsWith($"#EXT-X-PREFETCH:{prefetch[1]}\n", playlist, StringComparison.Ordinal);

        // Both at once, as soon as they are listed: the next one waits until it begins, then both grow while written.
        var streams = prefetch.Select(async uri =>
        {
            using var response = await server.Http.GetAsync(new Uri(new Uri(mediaUrl), uri), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Null(response.Content.Headers.ContentLength);
            Assert.True(response.Headers.TransferEncodingChunked);
            return await response.Content.ReadAsByteArrayAsync();
        }).ToArray();
        var streamed = await Task.WhenAll(streams);

        for (var i = 0; i < prefetch.Length; i++)
        {
            var complete = await server.Http.GetByteArrayAsync(new Uri(new Uri(mediaUrl), prefetch[i]));
            Assert.True(complete.AsSpan().SequenceEqual(streamed[i]), $"{prefetch[i]}: streamed {streamed[i].Length} bytes, complete {complete.Length}");
        }

        if (containerFormat == "TS")
        {
            // PAT, PMT, then the ID3 timestamp tag on the metadata PID: the IVS player waits forever for a metadata
            // track the PMT announces but the segment never feeds.
            var third = streamed[0].AsSpan(2 * 188, 188);
            Assert.Equal(0x102, ((third[1] & 0x1F) << 8) | third[2]);
            Assert.Contains("com.apple.streaming.transportStreamTimestamp", Encoding.ASCII.GetString(third), StringComparison.Ordinal);
        }

        // A segment further ahead than the next one is not waited for.
        using var far = await server.Http.GetAsync(new Uri(new Uri(mediaUrl), prefetch[1].Replace($"seg{open + 1}", $"seg{open + 5}", StringComparison.Ordinal)));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, far.StatusCode);
    }

    [Fact]
    public async Task PlaylistForTheIvsPlayerIsAnsweredAtASegmentStartAndNormalChannelsHaveNoPrefetch()
    {
        await using var server = await TestServer.StartAsync();
        var low = await server.CallAsync("CreateChannel", """{"insecureIngest":true,"latencyMode":"LOW","name":"low"}""").OkAsync();
        var normal = await server.CallAsync("CreateChannel", """{"insecureIngest":true,"latencyMode":"NORMAL","name":"normal"}""").OkAsync();
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800);
        await using var lowPublisher = Ffmpeg.Publish(clip, RtmpUrl(server, (string)low["streamKey"]!["value"]!));
        await using var normalPublisher = Ffmpeg.Publish(clip, RtmpUrl(server, (string)normal["streamKey"]!["value"]!));
        await WaitUntilStartedAsync(server, (string)low["channel"]!["arn"]!);
        await WaitUntilStartedAsync(server, (string)normal["channel"]!["arn"]!);

        var normalUrl = (string)normal["channel"]!["playbackUrl"]!;
        var normalPlaylist = await server.Http.GetStringAsync(MediaPlaylistUrl(normalUrl, await WaitForPlaylistAsync(server, normalUrl)));
        Assert.DoesNotContain("#EXT-X-PREFETCH", normalPlaylist, StringComparison.Ordinal);

        var lowUrl = (string)low["channel"]!["playbackUrl"]!;
        var mediaUrl = MediaPlaylistUrl(lowUrl, await WaitForPlaylistAsync(server, lowUrl));
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, mediaUrl);
            request.Headers.Accept.ParseAdd(IvsPlayerAccept);
            using var response = await server.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            // The open segment (after the last complete one) has begun at most a part ago.
            var tail = text[(text.LastIndexOf("#EXTINF", StringComparison.Ordinal) + 1)..];
            Assert.InRange(Regex.Count(tail, "#EXT-X-PART:"), 0, 1);
            Assert.Contains("#EXT-X-PREFETCH:", text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"#EXT-X-PREFETCH:(\S+)")]
    private static partial Regex PrefetchLine();

    [GeneratedRegex(@"\d+")]
    private static partial Regex SegmentNumber();
}
