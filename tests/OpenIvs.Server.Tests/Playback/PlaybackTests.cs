using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// The HLS origin, played by the real ffmpeg/ffprobe from streams ffmpeg publishes over RTMP. Real time: ffmpeg
/// publishes at the media's own rate, so waits are on conditions the media makes true (Eventually); timeouts are
/// jumped over with a RunningClock.
/// </summary>
public class PlaybackTests
{
    [Theory]
    [InlineData("FRAGMENTED_MP4", "LOW")]
    [InlineData("TS", "LOW")]
    [InlineData("TS", "NORMAL")]
    public async Task PlaybackUrlPlaysInFfprobeAndFfmpeg(string containerFormat, string latencyMode)
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, $$"""{"insecureIngest":true,"containerFormat":"{{containerFormat}}","latencyMode":"{{latencyMode}}"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var multivariant = await WaitForPlaylistAsync(server, playbackUrl);

        Assert.Contains("CODECS=\"avc1.64001E,mp4a.40.2\"", multivariant);
        Assert.Contains("RESOLUTION=640x360", multivariant);
        Assert.Contains("FRAME-RATE=30.000", multivariant);
        Assert.InRange(long.Parse(Regex.Match(multivariant, @"[:,]BANDWIDTH=(\d+)").Groups[1].Value), 500_000, 2_000_000);

        var media = await server.Http.GetAsync(MediaPlaylistUrl(playbackUrl, multivariant));
        Assert.Equal("application/vnd.apple.mpegurl", media.Content.Headers.ContentType?.MediaType);
        Assert.Equal("*", media.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var mediaText = await media.Content.ReadAsStringAsync();
        Assert.Equal(latencyMode == "LOW", mediaText.Contains("#EXT-X-PART-INF:PART-TARGET="));
        Assert.Equal(containerFormat == "FRAGMENTED_MP4", mediaText.Contains("#EXT-X-MAP:URI=\"init0.mp4\""));
        Assert.Matches(containerFormat == "TS" ? @"(part|seg)0\.ts" : @"(part|seg)0\.m4s", mediaText);

        var (probeCode, probe) = await RunToolAsync("ffprobe", $"-v error -show_entries stream=codec_name,width,height -of compact \"{playbackUrl}\"");
        Assert.True(probeCode == 0, probe);
        Assert.Contains("codec_name=h264|width=640|height=360", probe);
        Assert.Contains("codec_name=aac", probe);

        // Read 4 s of the live stream: the decoded frame count advances with it (30 fps).
        var (code, frames) = await RunToolAsync("ffmpeg", $"-v error -i \"{playbackUrl}\" -t 4 -map 0:v:0 -f framecrc -");
        Assert.True(code == 0, frames);
        var count = frames.Split('\n').Count(line => line.Length > 0 && !line.StartsWith('#'));
        Assert.InRange(count, 110, 130);
    }

    [Fact]
    public async Task OfflineUnknownAndMalformedPlaybackUrlsAnswer404WithJson()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel", "{}").OkAsync();
        var playbackUrl = (string)created["channel"]!["playbackUrl"]!;
        var id = playbackUrl[(playbackUrl.LastIndexOf('.', playbackUrl.Length - 6) + 1)..^5];

        foreach (var url in new[]
        {
            playbackUrl, // offline
            playbackUrl.Replace(id, "AAAAAAAAAAAA"), // unknown channel
            playbackUrl.Replace("us-west-2.", "eu-west-1."), // another region
            playbackUrl.Replace(".m3u8", "/st-nope/index.m3u8"),
            new Uri(server.BaseAddress, "/api/video/v1/.m3u8").ToString(),
            new Uri(server.BaseAddress, "/api/video/v1/a/b/c/d/e.m4s").ToString(),
        })
        {
            using var response = await server.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray()[0]!;
            Assert.Equal("content_not_available", (string?)error["error_code"]);
        }

        using var post = await server.Http.PostAsync(playbackUrl, new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task AnIngestOnlyNodeGoesLiveButServesNoPlayback()
    {
        await using var server = await TestServer.StartAsync(o => o.Playback.Enabled = false);
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        // Past the first complete segment a packaging node would have: a second keyframe has arrived.
        var live = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;
        await Eventually.TrueAsync(() => live.Metrics.KeyframeInterval > TimeSpan.Zero, "a second keyframe");

        using var response = await server.Http.GetAsync(playbackUrl);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!.Readers, r => r.Name == "hls");
    }

    [Fact]
    public async Task PlaylistFollowsTheLowLatencyRulesOverALongRun()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"containerFormat":"FRAGMENTED_MP4"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var mediaUrl = MediaPlaylistUrl(playbackUrl, await WaitForPlaylistAsync(server, playbackUrl));

        var first = Parse(await server.Http.GetStringAsync(mediaUrl));
        var partTarget = first.PartTarget!.Value;
        Assert.InRange(partTarget, 0.2, 0.5); // IVS-like LOW latency: parts of about 0.2 to 0.5 s
        Assert.True(first.PartHoldBack >= 2 * partTarget, "PART-HOLD-BACK is at least twice PART-TARGET (RFC 8216bis 4.4.3.8)");
        Assert.True(first.CanSkipUntil >= 6 * first.TargetDuration, "CAN-SKIP-UNTIL is at least six target durations");
        Assert.True(first.CanBlockReload);

        var seenSegments = new Dictionary<long, (string Uri, double Duration)>();
        var answeredAtOnce = 0;
        var reloads = 0;
        var previous = first;
        var stopAt = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < stopAt)
        {
            // Ask for the part after the newest one, as an LL-HLS client does.
            var (msn, part) = previous.NextPart();
            var text = await server.Http.GetStringAsync($"{mediaUrl}&_HLS_msn={msn}&_HLS_part={part}");
            var playlist = Parse(text);
            reloads++;
            if (playlist.Parts[^1].Msn == msn && playlist.Parts[^1].Index == part || playlist.Parts[^1].Msn == msn + 1 && playlist.Parts[^1].Index == 0)
            {
                answeredAtOnce++; // the newest part is the one asked for: the answer came before any later part existed
            }

            Assert.True(playlist.Contains(msn, part), $"a blocking reload for {msn}.{part} returned a playlist without it:\n{text}");
            Assert.True(playlist.MediaSequence >= previous.MediaSequence, "EXT-X-MEDIA-SEQUENCE never decreases");
            Assert.Equal(playlist.TargetDuration, first.TargetDuration);
            Assert.Contains(previous.PreloadHint!, playlist.Parts.Select(p => p.Uri)); // the hinted part came true
            for (var i = 0; i < playlist.Segments.Count; i++)
            {
                var segment = playlist.Segments[i];
                Assert.Equal(playlist.MediaSequence + i, segment.Msn);
                Assert.Equal($"seg{segment.Msn}.m4s", segment.Uri);
                Assert.True(Math.Round(segment.Duration) <= playlist.TargetDuration, "EXTINF rounded is at most EXT-X-TARGETDURATION");
                if (seenSegments.TryGetValue(segment.Msn, out var seen))
                {
                    Assert.Equal(seen, (segment.Uri, segment.Duration)); // a segment never changes
                }

                seenSegments[segment.Msn] = (segment.Uri, segment.Duration);
            }

            foreach (var p in playlist.Parts)
            {
                Assert.True(p.Duration <= partTarget + 0.0005, $"part {p.Uri} lasts {p.Duration} s, more than PART-TARGET {partTarget}");
                Assert.Equal(p.Index == 0, p.Independent); // each segment starts with an independent (keyframe) part
            }

            Assert.True(playlist.ProgramDateTimes.SequenceEqual(playlist.ProgramDateTimes.Order()), "EXT-X-PROGRAM-DATE-TIME increases");
            previous = playlist;
        }

        Assert.True(seenSegments.Count >= 12, $"30 s of 2 s segments seen, got {seenSegments.Count}");
        Assert.True(answeredAtOnce >= reloads * 0.8, $"blocking reloads are answered as soon as their part exists: {answeredAtOnce} of {reloads}");

        // A complete segment is exactly its parts, in order; the init segment comes with the MP4 content type.
        var baseUrl = mediaUrl[..mediaUrl.IndexOf("index.m3u8", StringComparison.Ordinal)];
        var complete = previous.Segments[^2];
        var segmentBytes = await server.Http.GetByteArrayAsync(baseUrl + complete.Uri);
        var partBytes = new List<byte>();
        foreach (var p in previous.Parts.Where(p => p.Msn == complete.Msn))
        {
            partBytes.AddRange(await server.Http.GetByteArrayAsync(baseUrl + p.Uri));
        }

        Assert.Equal(segmentBytes, partBytes.ToArray());
        using var init = await server.Http.GetAsync(baseUrl + "init0.mp4");
        Assert.Equal("video/mp4", init.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", init.Headers.CacheControl!.ToString());

        // Delta update: EXT-X-SKIP replaces the oldest segments, and what follows is the full playlist's tail.
        var full = Parse(await server.Http.GetStringAsync(mediaUrl));
        var deltaText = await server.Http.GetStringAsync(mediaUrl + "&_HLS_skip=YES");
        var skipped = int.Parse(Regex.Match(deltaText, "#EXT-X-SKIP:SKIPPED-SEGMENTS=(\\d+)").Groups[1].Value);
        Assert.True(skipped > 0);
        var delta = Parse(deltaText);
        Assert.Equal(full.Segments.Skip(skipped).Select(s => s.Uri).Take(delta.Segments.Count - 1), delta.Segments.Select(s => s.Uri).Take(delta.Segments.Count - 1));
    }

    [Fact]
    public async Task APlaylistRequestWithoutDirectivesIsAnsweredWithAFreshPart()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"containerFormat":"FRAGMENTED_MP4"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var mediaUrl = MediaPlaylistUrl(playbackUrl, await WaitForPlaylistAsync(server, playbackUrl));

        // A blocking reload returns the moment its part exists; a third of a part later (0.11 s of 0.33 s parts, well past
        // the eighth of PART-TARGET that counts as fresh) that part is stale: a player's first request then waits for the
        // next part, so it takes the end of its playlist as the live edge when that is true.
        var newer = 0;
        for (var i = 0; i < 5; i++)
        {
            var (msn, part) = Parse(await server.Http.GetStringAsync(mediaUrl)).NextPart();
            var known = Parse(await server.Http.GetStringAsync($"{mediaUrl}&_HLS_msn={msn}&_HLS_part={part}")).Parts[^1];
            await Task.Delay(TimeSpan.FromSeconds(0.11));
            var plain = Parse(await server.Http.GetStringAsync(mediaUrl)).Parts[^1];
            if ((plain.Msn, plain.Index) != (known.Msn, known.Index))
            {
                newer++;
            }
        }

        // (without alignment, a newer part is there only when the request happens to cross a part boundary: 1 or 2 of 5)
        Assert.True(newer >= 4, $"{newer} of 5 plain requests answered with a part newer than the one known at the request");
    }

    [Fact]
    public async Task AViewersFirstPlaylistStartsItsPlayerInAPartThatBeginsWithAKeyframe()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"containerFormat":"FRAGMENTED_MP4"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key)); // 2 s keyframe interval
        await WaitUntilStartedAsync(server, arn);
        await WaitForPlaylistAsync(server, playbackUrl);

        // Each viewer (a multivariant request starts a session) gets its first media playlist when the position
        // PART-HOLD-BACK before the newest part's end lies in an INDEPENDENT part: an LL-HLS player starts there and
        // loads from the keyframe at or before it. Without the wait, that part is independent one time in six here.
        var elsewhere = new List<string>();
        for (var viewer = 0; viewer < 4; viewer++)
        {
            var mediaUrl = MediaPlaylistUrl(playbackUrl, await server.Http.GetStringAsync(playbackUrl));
            var text = await server.Http.GetStringAsync(mediaUrl);
            var playlist = Parse(text);
            var behind = 0.0;
            var start = playlist.Parts.Reverse().First(p => (behind += p.Duration) >= playlist.PartHoldBack);
            if (!start.Independent)
            {
                elsewhere.Add($"viewer {viewer} starts in part {start.Msn}.{start.Index} of:\n{text[Math.Max(0, text.Length - 1200)..]}");
            }
        }

        Assert.True(elsewhere.Count == 0, string.Join("\n", elsewhere));
    }

    [Fact]
    public async Task BlockingRequestsAreBoundedTimeOutAndEndWhenTheClientLeaves()
    {
        await using var clock = RunningClock.Start();
        await using var server = await TestServer.StartAsync(o => o.Playback.MaxBlockedRequests = 2, time: clock.Time);
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"containerFormat":"FRAGMENTED_MP4"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var mediaUrl = MediaPlaylistUrl(playbackUrl, await WaitForPlaylistAsync(server, playbackUrl));
        var origin = server.Services.GetRequiredService<HlsOrigin>();

        using (var badPart = await server.Http.GetAsync(mediaUrl + "&_HLS_part=1"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badPart.StatusCode);
        }

        using (var farAhead = await server.Http.GetAsync(mediaUrl + "&_HLS_msn=1000000"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, farAhead.StatusCode);
        }

        // Freeze the encoder: no new part comes, so waits last.
        await publisher.PauseAsync();
        var (msn, part) = await SettledNextPartAsync(server, mediaUrl);
        var next = $"{mediaUrl}&_HLS_msn={msn}&_HLS_part={part}";
        using var leave = new CancellationTokenSource();
        var waiting = new[] { server.Http.GetAsync(next, leave.Token), server.Http.GetAsync(next, leave.Token) };
        await Eventually.TrueAsync(() => origin.BlockedRequests == 2, "two requests waiting");
        using (var third = await server.Http.GetAsync(next))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, third.StatusCode); // over the bound: refused at once
        }

        leave.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(waiting));
        await Eventually.TrueAsync(() => origin.BlockedRequests == 0, "the waits to end when their clients left", TimeSpan.FromSeconds(2));

        // A wait ends with 503 after three target durations (6 s) when the part never comes.
        // The clock jumps over the wait instead of the test sitting through it.
        var timing = server.Http.GetAsync(next);
        await Eventually.TrueAsync(() => origin.BlockedRequests == 1, "the request waiting");
        clock.Jump(TimeSpan.FromSeconds(5));
        Assert.False(timing.IsCompleted); // still waiting before three target durations
        clock.Jump(TimeSpan.FromSeconds(1.5));
        using (var timedOut = await timing.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, timedOut.StatusCode);
        }

        // When media flows again the same request is answered.
        await publisher.ResumeAsync();
        using var answered = await server.Http.GetAsync(next);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    /// <summary>
    /// The next part once a paused publisher's last media has been packaged: what was in flight when ffmpeg stopped
    /// (socket buffers, ingest coalescing) can still complete a part. Real time: the publisher is a real process.
    /// </summary>
    private static async Task<(long Msn, int Part)> SettledNextPartAsync(TestServer server, string mediaUrl)
    {
        var next = Parse(await server.Http.GetStringAsync(mediaUrl)).NextPart();
        for (var i = 0; i < 30; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            var again = Parse(await server.Http.GetStringAsync(mediaUrl)).NextPart();
            if (again == next)
            {
                return next;
            }

            next = again;
        }

        throw new TimeoutException("The playlist kept moving while the publisher was paused.");
    }

    [Fact]
    public async Task ViewerCountCountsRecentPlaybackSessions()
    {
        await using var clock = RunningClock.Start();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Playback.ViewerSessionTimeout = TimeSpan.FromSeconds(5);
                o.Ingest.IdleTimeout = TimeSpan.FromMinutes(10); // the jumps below must not end the stream
            },
            time: clock.Time);
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        await WaitForPlaylistAsync(server, playbackUrl);
        await server.Http.GetStringAsync(playbackUrl);
        await server.Http.GetStringAsync(playbackUrl);

        // Counts are taken by the packager's sweep (every 5 s of clock time): run one now rather than wait for it.
        var packager = server.Services.GetRequiredService<HlsPackager>();
        packager.Sweep();
        Assert.Equal(3, (long?)(await GetStreamAsync(server, arn))?["viewerCount"]);

        clock.Jump(TimeSpan.FromSeconds(6)); // past the session timeout
        packager.Sweep();
        Assert.Equal(0, (long?)(await GetStreamAsync(server, arn))?["viewerCount"]);
    }

    [Fact]
    public async Task PrivateChannelPlaysOnlyWithAValidToken()
    {
        await using var server = await TestServer.StartAsync();
        using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"authorized":true}""");
        var (otherArn, _, _) = await GoLiveAsync(server, """{"authorized":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        using var signer = new PlaybackTokenSigner(playbackKey);
        using var wrongSigner = new PlaybackTokenSigner(otherKey);
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        string Url(string token) => PlaybackTokenSigner.AuthorizeUrl(playbackUrl, token);

        await AssertRefusedAsync(server, playbackUrl, "invalid_playback_auth_token");
        await AssertRefusedAsync(server, playbackUrl + "?token=abc", "invalid_playback_auth_token");
        await AssertRefusedAsync(server, Url(wrongSigner.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires })), "invalid_playback_auth_token");
        await AssertRefusedAsync(server, Url(signer.Sign(new PlaybackTokenClaims { ChannelArn = otherArn, ExpiresAt = expires })), "playback_auth_error");
        var valid = signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires, ViewerId = "viewer-1", SingleUseId = Guid.NewGuid().ToString() });
        var tampered = valid[..(valid.LastIndexOf('.') - 2)] + (valid[valid.LastIndexOf('.') - 2] == 'A' ? "B" : "A") + valid[(valid.LastIndexOf('.') - 1)..];
        await AssertRefusedAsync(server, Url(tampered), "invalid_playback_auth_token");

        var multivariant = await WaitForPlaylistAsync(server, Url(valid));
        await AssertRefusedAsync(server, Url(valid), "playback_auth_error"); // single use
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant);
        Assert.Matches("/st-[A-Za-z0-9]{23}/[A-Za-z0-9_-]{22}/index.m3u8$", mediaUrl); // the session is part of every path
        var media = await server.Http.GetStringAsync(mediaUrl);
        var part = media.Split('\n').Last(l => l.StartsWith("#EXT-X-PART:", StringComparison.Ordinal));
        var partUrl = mediaUrl.Replace("index.m3u8", Regex.Match(part, "URI=\"([^\"]+)\"").Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync(partUrl)).StatusCode);
        var withoutSession = Regex.Replace(partUrl, "/[A-Za-z0-9_-]{22}/", "/");
        Assert.NotEqual(HttpStatusCode.OK, (await server.Http.GetAsync(withoutSession)).StatusCode);

        // Revoking the viewer stops the session on its next request.
        await server.CallAsync("StartViewerSessionRevocation", $$"""{"channelArn":"{{arn}}","viewerId":"viewer-1"}""").OkAsync();
        await Eventually.ReturnsAsync(async () => (await server.Http.GetAsync(mediaUrl)).StatusCode, s => s == HttpStatusCode.Forbidden, "the revoked session to be refused");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(partUrl)).StatusCode);
        await AssertRefusedAsync(server, Url(signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires, ViewerId = "viewer-1" })), "playback_auth_error");

        // Strict origin enforcement: the Origin header must be one of the token's origins.
        var strict = signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires, AllowedOrigins = ["https://*.example.com"], StrictOriginEnforcement = true });
        await AssertRefusedAsync(server, Url(strict), "playback_auth_error");
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(strict));
        request.Headers.Add("Origin", "https://watch.example.com");
        using var allowed = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("https://watch.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private static async Task AssertRefusedAsync(TestServer server, string url, string errorCode)
    {
        using var response = await server.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal(errorCode, (string?)JsonNode.Parse(body)!.AsArray()[0]!["error_code"]);
    }

    private static async Task<(string Arn, string Key, string PlaybackUrl)> GoLiveAsync(TestServer server, string body)
    {
        var created = await server.CallAsync("CreateChannel", body).OkAsync();
        return ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
    }

    /// <summary>The multivariant playlist once the first part is out (404 until then).</summary>
    internal static Task<string> WaitForPlaylistAsync(TestServer server, string url) =>
        Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await server.Http.GetAsync(url);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            },
            text => text is not null,
            "the playback URL to answer")!;

    internal static string MediaPlaylistUrl(string playbackUrl, string multivariant) =>
        new Uri(new Uri(playbackUrl), multivariant.Split('\n').First(l => l.Length > 0 && !l.StartsWith('#')).Trim()).ToString();

    internal static async Task<(int Code, string Output)> RunToolAsync(string tool, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await output + await error);
    }

    private static MediaPlaylistView Parse(string text) => MediaPlaylistView.Parse(text);
}
