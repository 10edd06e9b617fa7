using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Server.Tests.Playback;
using OpenIvs.Server.Transcoding;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Transcoding;

/// <summary>
/// Adaptive bitrate end to end: ffmpeg publishes small sources to transcoded channels; the multivariant playlist
/// is checked against the ladder table, every rung is probed with ffprobe, and the rungs' segments and parts
/// must start at the same instants. The transcoder runs x264 ultrafast at low priority to spare the machine.
/// Real time: ffmpeg (publisher and transcoder) runs at the media's rate, so waits are on the processes and
/// playlists it produces (Eventually).
/// </summary>
public partial class TranscodingTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose() => File.WriteAllText(Path.Combine(Path.GetTempPath(), "openivs-transcoding-test.log"), _logs.All);

    [Theory]
    [InlineData("STANDARD", "", 854, 480, 30, "TS")]
    [InlineData("STANDARD", "", 1920, 1080, 30, "TS")]
    [InlineData("ADVANCED_SD", "", 854, 480, 30, "FRAGMENTED_MP4")]
    [InlineData("ADVANCED_HD", "CONSTRAINED_BANDWIDTH_DELIVERY", 854, 480, 30, "TS")]
    [InlineData("ADVANCED_HD", "HIGHER_BANDWIDTH_DELIVERY", 1280, 720, 30, "TS")]
    [InlineData("STANDARD", "", 1280, 720, 30, "FRAGMENTED_MP4")]
    [InlineData("STANDARD", "", 1280, 720, 60, "TS")]
    public async Task ChannelServesItsLadderWithAlignedRenditions(string type, string preset, int width, int height, int fps, string containerFormat)
    {
        await using var server = await StartAsync();
        var presetField = preset.Length > 0 ? $",\"preset\":\"{preset}\"" : string.Empty;
        var (arn, key, playbackUrl) = await GoLiveAsync(server, $$"""{"insecureIngest":true,"type":"{{type}}","containerFormat":"{{containerFormat}}"{{presetField}}}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(width, height, fps, 700), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var expected = TranscodeLadder.For(new ChannelType(type), preset.Length > 0 ? new TranscodePreset(preset) : (TranscodePreset?)null, width, height, fps);

        var multivariant = await PlaylistWithAsync(server, playbackUrl, expected.Count);
        var variants = Variants(multivariant);
        Assert.Equal(expected.Select(r => r.Kind == RungKind.Source ? "chunked" : r.Name), variants.Select(v => v.Attributes["VIDEO"]));
        foreach (var (rung, variant) in expected.Zip(variants))
        {
            var attributes = variant.Attributes;
            Assert.True(long.Parse(attributes["BANDWIDTH"], CultureInfo.InvariantCulture) >= rung.NominalBandwidth, $"{rung.Name}: BANDWIDTH {attributes["BANDWIDTH"]}");
            Assert.True(attributes.ContainsKey("AVERAGE-BANDWIDTH"), $"{rung.Name}: AVERAGE-BANDWIDTH");
            if (rung.Kind == RungKind.AudioOnly)
            {
                Assert.Equal("mp4a.40.2", attributes["CODECS"]);
                Assert.False(attributes.ContainsKey("RESOLUTION"));
                continue;
            }

            Assert.Equal($"{rung.Width}x{rung.Height}", attributes["RESOLUTION"]);
            Assert.Equal(rung.FrameRate.ToString("0.000", CultureInfo.InvariantCulture), attributes["FRAME-RATE"]);
            Assert.Matches("^avc1\\.[0-9A-F]{6},mp4a\\.40\\.2$", attributes["CODECS"]);
        }

        Assert.Contains(type == "STANDARD" ? "" : "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"Audio Only\",AUTOSELECT=NO,DEFAULT=NO", multivariant);

        // Every rung plays: ffprobe one complete segment of each (size, frame rate, audio).
        var playlists = new List<MediaPlaylistView>();
        foreach (var (rung, variant) in expected.Zip(variants))
        {
            var mediaUrl = new Uri(new Uri(playbackUrl), variant.Uri).ToString();
            var media = MediaPlaylistView.Parse(await server.Http.GetStringAsync(mediaUrl));
            playlists.Add(media);
            var probe = await ProbeAsync(mediaUrl, media);
            if (rung.Kind == RungKind.AudioOnly)
            {
                Assert.DoesNotContain("codec_type=video", probe);
            }
            else
            {
                Assert.Contains($"codec_name=h264|codec_type=video|width={rung.Width}|height={rung.Height}|r_frame_rate={rung.FrameRate:0}/1", probe);
            }

            Assert.Contains("codec_name=aac|codec_type=audio", probe);
            var audioRate = Regex.Match(probe, @"codec_type=audio\|.*\|bit_rate=(\d+)");
            if (rung.AudioBitrate is { } audioBitrate && audioRate.Success)
            {
                // Transcoded, not passed through (the test tone takes fewer bits than the target, so no lower bound).
                Assert.InRange(long.Parse(audioRate.Groups[1].Value, CultureInfo.InvariantCulture), 1, audioBitrate * 1.2);
            }
        }

        // Every transcoded rung's video runs at its target bitrate (within 20%), measured over three segments.
        foreach (var (rung, variant) in expected.Zip(variants).Where(p => p.First.Kind == RungKind.Transcoded))
        {
            var mediaUrl = new Uri(new Uri(playbackUrl), variant.Uri).ToString();
            var bitrate = await MeasuredVideoBitrateAsync(server, mediaUrl, segments: 3);
            output.WriteLine($"{rung.Name}: {bitrate} bit/s video, target {rung.VideoBitrate} ({(bitrate - rung.VideoBitrate) * 100.0 / rung.VideoBitrate:+0.0;-0.0} %)");
            Assert.True(Math.Abs(bitrate - rung.VideoBitrate) <= rung.VideoBitrate * 0.2, $"{rung.Name}: {bitrate} bit/s, target {rung.VideoBitrate}");
        }

        // Every video rung's segments are dated by the source's clock (not by when the transcoder delivered them): each
        // segment of a rung has the date of a segment of the first rung, within arrival jitter (0.25 s; it was 3 to 4 s).
        var datedPlaylists = expected.Select((r, i) => (r, playlists[i])).Where(p => p.r.Kind != RungKind.AudioOnly).Select(p => p.Item2).ToList();
        var firstDates = datedPlaylists[0].ProgramDateTimes;
        foreach (var rungDates in datedPlaylists.Skip(1).Select(p => p.ProgramDateTimes))
        {
            Assert.All(rungDates.Where(d => d > firstDates[0] && d < firstDates[^1]), d =>
                Assert.True(firstDates.Any(f => Math.Abs((f - d).TotalMilliseconds) < 250), $"{d:HH:mm:ss.fff} is no segment date of {string.Join(", ", firstDates.Select(f => f.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}"));
        }

        // Aligned keyframes: a media sequence number means the same instant in every video rung (equal segment and
        // part durations), because every rung has its keyframes exactly where the source has them.
        var video = expected.Select((r, i) => (r, playlists[i])).Where(p => p.r.Kind != RungKind.AudioOnly).Select(p => p.Item2).ToList();
        var common = video.Select(p => p.Segments.Select(s => s.Msn).ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
        Assert.True(common.Count >= 1, "the rungs' playlists share segments");
        foreach (var msn in common)
        {
            var durations = video.Select(p => p.Segments.Single(s => s.Msn == msn).Duration).ToList();
            Assert.True(durations.Max() - durations.Min() < 0.0015, $"segment {msn}: durations {string.Join(", ", durations)}");
            // Parts alike within 2.5 ms, far under a frame: a part closed on its last frame gives that frame the interval
            // before it (within 2 ms of its own), and a rung may close the same part a frame later, when the next arrives.
            var parts = video.Select(p => p.Parts.Where(x => x.Msn == msn).Select(x => x.Duration).ToList()).Where(d => d.Count > 0).ToList();
            var aligned = parts.All(d => d.Count == parts[0].Count && d.Zip(parts[0]).All(z => Math.Abs(z.First - z.Second) < 0.0025));
            Assert.True(aligned, $"segment {msn}: parts differ: {string.Join(" / ", parts.Select(d => string.Join(",", d.Select(x => x.ToString("0.000", CultureInfo.InvariantCulture)))))}");
        }

        // The same media sequence number is the same media in every video rendition (HLS requires it; AVPlayer and
        // ExoPlayer switch by number): its first frame has the same presentation time (ffprobe) and the segment the same
        // EXT-X-PROGRAM-DATE-TIME, and its first part the same URI number. (The rungs were one segment behind the source.)
        var videoUrls = expected.Zip(variants).Where(p => p.First.Kind != RungKind.AudioOnly).Select(p => new Uri(new Uri(playbackUrl), p.Second.Uri).ToString()).ToList();
        var texts = new List<string>();
        foreach (var url in videoUrls)
        {
            texts.Add(await server.Http.GetStringAsync(url));
        }

        var views = texts.Select(MediaPlaylistView.Parse).ToList();
        var shared = views.Select(p => p.Segments.Select(s => s.Msn).ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
        Assert.True(shared.Count >= 2, "the rungs' playlists share complete segments");
        var dates = texts.Select(SegmentDates).ToList();
        foreach (var msn in shared.Order().TakeLast(2))
        {
            var uris = views.Select(v => v.Segments.Single(s => s.Msn == msn).Uri).ToList();
            var pts = new List<double>();
            for (var i = 0; i < videoUrls.Count; i++)
            {
                pts.Add(await FirstVideoPtsAsync(videoUrls[i], uris[i]));
            }

            output.WriteLine($"segment {msn}: first pts {string.Join(", ", pts)}; dates {string.Join(", ", dates.Select(d => d[msn].ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");
            Assert.True(pts.Max() - pts.Min() < 0.002, $"segment {msn} starts at different times: {string.Join(", ", pts)}");
            Assert.True(dates.All(d => Math.Abs((d[msn] - dates[0][msn]).TotalMilliseconds) <= 1), $"segment {msn} has different dates: {string.Join(", ", dates.Select(d => d[msn].ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");
            var firstParts = views.Select(v => v.Parts.FirstOrDefault(p => p.Msn == msn && p.Index == 0)?.Uri).Where(u => u is not null).Distinct().ToList();
            Assert.True(firstParts.Count <= 1, $"segment {msn}: first parts {string.Join(", ", firstParts)}");
        }
    }

    [Fact]
    public async Task TheFirstMultivariantRequestIsHeldUntilEveryRungIsReady()
    {
        await using var server = await StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(854, 480, 30, 700), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var stream = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;

        // A player's first request, at the Stream Start event: no segment of any rung is complete yet.
        using var response = await server.Http.GetAsync(playbackUrl);
        var age = DateTimeOffset.UtcNow - stream.StartTime;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var variants = Variants(await response.Content.ReadAsStringAsync());
        if (age < Server.Playback.HlsVariantList.RenditionWait - TimeSpan.FromSeconds(0.5))
        {
            Assert.Equal(TranscodeLadder.For(ChannelType.Standard, null, 854, 480, 30).Count, variants.Count);
        }
        else
        {
            Assert.NotEmpty(variants); // a loaded machine took longer than the hold: the rungs that were ready
        }
    }

    [Fact]
    public async Task TimedMetadataReachesEveryRendition()
    {
        await using var server = await StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(854, 480, 30, 700), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var multivariant = await PlaylistWithAsync(server, playbackUrl, TranscodeLadder.For(ChannelType.Standard, null, 854, 480, 30).Count);

        // PutMetadata reaches the hub's source: a viewer on any rung must get the cue (an ID3 frame in its media).
        var payload = "cue-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        await server.CallAsync("PutMetadata", new JsonObject { ["channelArn"] = arn, ["metadata"] = payload }.ToJsonString()).OkAsync(204);
        foreach (var variant in Variants(multivariant))
        {
            var mediaUrl = new Uri(new Uri(playbackUrl), variant.Uri).ToString();
            await Eventually.ReturnsAsync(
                async () =>
                {
                    var view = MediaPlaylistView.Parse(await server.Http.GetStringAsync(mediaUrl));
                    foreach (var uri in view.Segments.Select(s => s.Uri).Concat(view.Parts.Select(p => p.Uri)))
                    {
                        using var response = await server.Http.GetAsync(new Uri(new Uri(mediaUrl), uri));
                        if (!response.IsSuccessStatusCode)
                        {
                            continue; // left the window (or its parts did) since the playlist was read
                        }

                        var bytes = await response.Content.ReadAsByteArrayAsync();
                        if (bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(payload)) >= 0)
                        {
                            return true;
                        }
                    }

                    return false;
                },
                found => found,
                $"the cue in {variant.Uri}",
                TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task AStreamBeyondTheTranscodeSlotsFailsAndTheRunningOneGoesOn()
    {
        await using var server = await StartAsync(o => o.Transcoding.Slots = 1);
        var clip = await Ffmpeg.ClipAsync(854, 480, 30, 700);
        var (firstArn, firstKey, firstUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        var (secondArn, secondKey, _) = await GoLiveAsync(server, """{"insecureIngest":true,"type":"ADVANCED_SD"}""");
        var (basicArn, basicKey, basicUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"type":"BASIC"}""");
        await using var first = Ffmpeg.Publish(clip, RtmpUrl(server, firstKey));
        await WaitUntilStartedAsync(server, firstArn);

        await using var second = Ffmpeg.Publish(clip, RtmpUrl(server, secondKey), loop: false);
        var session = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{secondArn}}"}""");
                return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["streamSession"] : null;
            },
            s => s?["endTime"] is not null,
            "the stream beyond capacity to end");
        Assert.Contains(session!["truncatedEvents"]!.AsArray(), e => (string?)e!["name"] == "Stream Failure");
        Assert.Contains(_logs.Lines, l => l.Contains("all 1 transcode slots are in use", StringComparison.Ordinal));
        Assert.Equal(1, server.Services.GetRequiredService<Transcoder>().InUse);

        // BASIC needs no slot; the first stream still serves its whole ladder.
        await using var basic = Ffmpeg.Publish(clip, RtmpUrl(server, basicKey));
        await WaitUntilStartedAsync(server, basicArn);
        Assert.Single(Variants(await PlaybackTests.WaitForPlaylistAsync(server, basicUrl)));
        Assert.Equal(3, Variants(await PlaylistWithAsync(server, firstUrl, 3)).Count);
    }

    [Fact]
    public async Task AnFfmpegThatDiesIsAStreamFailureAndRestartsWhileTheSourcePlaysOn()
    {
        await using var server = await StartAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"type":"ADVANCED_SD"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 500), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        var variants = Variants(await PlaylistWithAsync(server, playbackUrl, 3)); // 360p30, 160p30, audio_only
        var stream = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;
        var transcoder = server.Services.GetRequiredService<Transcoder>().Find(stream.StreamId)!;
        var pid = await Eventually.ReturnsAsync(() => Task.FromResult(transcoder.ProcessId), p => p is not null, "ffmpeg to run");

        using (var kill = System.Diagnostics.Process.Start("kill", $"-KILL {pid}"))
        {
            await kill.WaitForExitAsync();
        }

        var session = await server.UntilStoredAsync(
            () => SessionAsync(server, arn),
            s => s["truncatedEvents"]!.AsArray().Any(e => (string?)e!["name"] == "Stream Failure"),
            "a Stream Failure event");
        Assert.Null(session["endTime"]); // the stream is still live
        await Eventually.ReturnsAsync(() => Task.FromResult(transcoder.ProcessId), p => p is not null && p != pid, "ffmpeg to restart");

        // The rung's playlist moves on again after the restart.
        var rungUrl = new Uri(new Uri(playbackUrl), variants[1].Uri).ToString();
        var before = MediaPlaylistView.Parse(await server.Http.GetStringAsync(rungUrl)).Parts[^1];
        await Eventually.ReturnsAsync(
            async () => MediaPlaylistView.Parse(await server.Http.GetStringAsync(rungUrl)).Parts[^1],
            p => p.Msn > before.Msn + 1,
            "the restarted rung to publish again",
            TimeSpan.FromSeconds(30));
        Assert.Equal(1, transcoder.Failures);
    }

    [Fact]
    public async Task AnFfmpegThatFallsBehindRealTimeIsAStreamFailureAndIsReplaced()
    {
        await using var server = await StartAsync(o => o.Transcoding.MaxLag = TimeSpan.FromSeconds(2));
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 500), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        await PlaylistWithAsync(server, playbackUrl, 2); // 360p30 (source), 160p30
        var stream = server.Services.GetRequiredService<LiveStreamHub>().Find(arn)!;
        var transcoder = server.Services.GetRequiredService<Transcoder>().Find(stream.StreamId)!;
        var pid = await Eventually.ReturnsAsync(() => Task.FromResult(transcoder.ProcessId), p => p is not null, "ffmpeg to run");

        // A frozen ffmpeg (SIGSTOP) is the extreme of one that cannot keep up: its rungs stop while the source goes on.
        using (var stop = System.Diagnostics.Process.Start("kill", $"-STOP {pid}"))
        {
            await stop.WaitForExitAsync();
        }

        await Eventually.ReturnsAsync(() => Task.FromResult(transcoder.ProcessId), p => p is not null && p != pid, "a new ffmpeg", TimeSpan.FromSeconds(30));
        Assert.Equal(1, transcoder.Failures);
        Assert.Contains(_logs.Lines, l => l.Contains("transcoder failed: The transcoder fell behind real time", StringComparison.Ordinal));
        Assert.Contains((await SessionAsync(server, arn))["truncatedEvents"]!.AsArray(), e => (string?)e!["name"] == "Stream Failure");
        Assert.False(File.Exists($"/proc/{pid}/stat"), "the frozen ffmpeg was killed");
    }

    [Fact]
    public async Task WithoutFfmpegTheStreamFailsToTranscodeAndPlaysItsSource()
    {
        await using var server = await StartAsync(o =>
        {
            o.Transcoding.Ffmpeg = "/nonexistent/ffmpeg";
            o.Transcoding.MaxRestarts = 1;
            o.Transcoding.Niceness = 0; // no "nice" in front: ffmpeg itself cannot be started
        });
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"type":"ADVANCED_SD"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 500), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);

        var session = await Eventually.ReturnsAsync(
            () => SessionAsync(server, arn),
            s => s["truncatedEvents"]!.AsArray().Count(e => (string?)e!["name"] == "Stream Failure") == 2,
            "a Stream Failure per attempt");
        Assert.Null(session["endTime"]);
        var variant = Assert.Single(Variants(await PlaylistWithAsync(server, playbackUrl, 1)));
        Assert.Equal("chunked", variant.Attributes["VIDEO"]);
        Assert.Contains(_logs.Lines, l => l.Contains("transcoder failed: The transcoder could not start (/nonexistent/ffmpeg", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.Contains("transcoder gave up after 2 failures", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATokensMaximumResolutionRemovesTheRungsAboveIt()
    {
        await using var server = await StartAsync();
        using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var (arn, key, playbackUrl) = await GoLiveAsync(server, """{"insecureIngest":true,"authorized":true,"type":"ADVANCED_HD"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(1280, 720, 30, 700), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);
        using var signer = new PlaybackTokenSigner(playbackKey);
        string Url(PlaybackMaximumResolution? maximum) => PlaybackTokenSigner.AuthorizeUrl(
            playbackUrl, signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5), MaximumResolution = maximum }));

        var all = Variants(await PlaylistWithAsync(server, Url(null), 5));
        Assert.Equal(["720p30", "480p30", "360p30", "160p30", "audio_only"], all.Select(v => v.Attributes["VIDEO"]));
        var sd = Variants(await PlaylistWithAsync(server, Url(PlaybackMaximumResolution.Sd), 4));
        Assert.Equal(["480p30", "360p30", "160p30", "audio_only"], sd.Select(v => v.Attributes["VIDEO"]));

        // The session of an SD token cannot fetch the 720p rung by its URL either.
        var hdUri = all[0].Uri.Replace(Regex.Match(all[0].Uri, "/([A-Za-z0-9_-]{22})/").Groups[1].Value, Regex.Match(sd[0].Uri, "/([A-Za-z0-9_-]{22})/").Groups[1].Value);
        using var refused = await server.Http.GetAsync(new Uri(new Uri(playbackUrl), hdUri));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var allowed = await server.Http.GetAsync(new Uri(new Uri(playbackUrl), sd[0].Uri));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    private Task<TestServer> StartAsync(Action<Hosting.OpenIvsOptions>? configure = null) =>
        TestServer.StartAsync(
            o =>
        {
            o.Transcoding.Enabled = true;
            o.Transcoding.X264Preset = "ultrafast";
            o.Transcoding.Niceness = 10;
            o.Transcoding.MaxLag = TimeSpan.FromSeconds(20); // a loaded test machine is not a transcoder falling behind
            configure?.Invoke(o);
        },
            logs: _logs);

    private static async Task<(string Arn, string Key, string PlaybackUrl)> GoLiveAsync(TestServer server, string body)
    {
        var created = await server.CallAsync("CreateChannel", body).OkAsync();
        return ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
    }

    private static async Task<JsonNode> SessionAsync(TestServer server, string arn) =>
        (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!;

    /// <summary>The multivariant playlist once it lists <paramref name="count"/> variants (each rung has a segment).</summary>
    private async Task<string> PlaylistWithAsync(TestServer server, string url, int count)
    {
        try
        {
            return await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await server.Http.GetAsync(url);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : string.Empty;
            },
            text => Variants(text).Count == count,
            $"{count} renditions in the multivariant playlist",
            TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException { Message: "" })
        {
            var logs = _logs.Lines.Where(l => l.Contains("Transcod", StringComparison.Ordinal) || l.Contains("rror", StringComparison.Ordinal) || l.Contains("Hls", StringComparison.Ordinal));
            throw new InvalidOperationException(e.Message + "\n" + string.Join("\n", logs.TakeLast(30)), e);
        }
    }

    private sealed record Variant(Dictionary<string, string> Attributes, string Uri);

    private static List<Variant> Variants(string multivariant)
    {
        var lines = multivariant.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var variants = new List<Variant>();
        for (var i = 0; i < lines.Length - 1; i++)
        {
            if (lines[i].StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
            {
                var attributes = Regex.Matches(lines[i]["#EXT-X-STREAM-INF:".Length..], "([A-Z-]+)=(\"[^\"]*\"|[^,]*)")
                    .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));
                variants.Add(new Variant(attributes, lines[i + 1]));
            }
        }

        return variants;
    }

    /// <summary>Video bits per second over the first <paramref name="segments"/> complete segments (ffprobe's packet sizes).</summary>
    private static async Task<long> MeasuredVideoBitrateAsync(TestServer server, string mediaUrl, int segments)
    {
        var media = await Eventually.ReturnsAsync(
            async () => MediaPlaylistView.Parse(await server.Http.GetStringAsync(mediaUrl)),
            m => m.Segments.Count >= segments,
            $"{segments} segments of {mediaUrl}",
            TimeSpan.FromSeconds(60));
        var baseUrl = mediaUrl[..mediaUrl.LastIndexOf('/')] + "/";
        var bytes = new List<byte>();
        var map = Regex.Match(await server.Http.GetStringAsync(mediaUrl), "#EXT-X-MAP:URI=\"([^\"]+)\"");
        if (map.Success)
        {
            bytes.AddRange(await server.Http.GetByteArrayAsync(baseUrl + map.Groups[1].Value));
        }

        var chosen = media.Segments.Take(segments).ToList();
        foreach (var segment in chosen)
        {
            bytes.AddRange(await server.Http.GetByteArrayAsync(baseUrl + segment.Uri));
        }

        var path = Path.Combine(TestServer.TempDirectory(), "segments");
        await File.WriteAllBytesAsync(path, [.. bytes]);
        var output = await FfprobeAsync($"-v error -select_streams v:0 -show_entries packet=size -of csv=p=0 {path}");
        var total = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l.Trim().TrimEnd(','), CultureInfo.InvariantCulture));
        return (long)(total * 8 / chosen.Sum(s => s.Duration));
    }

    /// <summary>ffprobe of the first complete segment (its init segment first for fMP4).</summary>
    private static async Task<string> ProbeAsync(string mediaUrl, MediaPlaylistView media) =>
        await FfprobeAsync($"-v error -show_entries stream=codec_name,codec_type,width,height,r_frame_rate,bit_rate -of compact {await SaveSegmentAsync(mediaUrl, media.Segments[0].Uri)}");

    /// <summary>The presentation time (s) of the first video packet of a rendition's segment.</summary>
    private static async Task<double> FirstVideoPtsAsync(string mediaUrl, string segmentUri)
    {
        var path = await SaveSegmentAsync(mediaUrl, segmentUri);
        var pts = await FfprobeAsync($"-v error -select_streams v:0 -show_entries packet=pts_time -read_intervals %+#1 -of csv=p=0 {path}");
        return double.Parse(pts.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim().TrimEnd(','), CultureInfo.InvariantCulture);
    }

    /// <summary>EXT-X-PROGRAM-DATE-TIME of each segment of a media playlist (every segment carries one), by media sequence number.</summary>
    private static Dictionary<long, DateTimeOffset> SegmentDates(string playlist)
    {
        var dates = new Dictionary<long, DateTimeOffset>();
        long msn = 0;
        foreach (var line in playlist.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                msn = long.Parse(line["#EXT-X-MEDIA-SEQUENCE:".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal))
            {
                dates[msn] = DateTimeOffset.Parse(line["#EXT-X-PROGRAM-DATE-TIME:".Length..], CultureInfo.InvariantCulture);
            }
            else if (!line.StartsWith('#'))
            {
                msn++; // a segment's URI
            }
        }

        return dates;
    }

    /// <summary>Downloads one segment (after its init segment, for fMP4) to a temporary file for ffprobe.</summary>
    private static async Task<string> SaveSegmentAsync(string mediaUrl, string segmentUri)
    {
        var segmentUrl = mediaUrl[..mediaUrl.LastIndexOf('/')] + "/" + segmentUri;
        var path = Path.Combine(TestServer.TempDirectory(), "segment");
        using (var http = new HttpClient())
        {
            var bytes = new List<byte>();
            var map = Regex.Match(await http.GetStringAsync(mediaUrl), "#EXT-X-MAP:URI=\"([^\"]+)\"");
            if (map.Success)
            {
                bytes.AddRange(await http.GetByteArrayAsync(mediaUrl[..mediaUrl.LastIndexOf('/')] + "/" + map.Groups[1].Value));
            }

            bytes.AddRange(await http.GetByteArrayAsync(segmentUrl));
            await File.WriteAllBytesAsync(path, [.. bytes]);
        }

        return path;
    }

    /// <summary>ffprobe's standard output; a failure fails the test with its errors.</summary>
    private static async Task<string> FfprobeAsync(string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffprobe", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        return await output;
    }
}
