using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>
/// Auto-record with real ffmpeg publishers, checked file by file against IVS's layout. Real time: the media
/// comes from ffmpeg at its own rate, so waits are on the events stored (UntilStoredAsync) and the files it
/// produces (Eventually).
/// </summary>
public class RecordingTests
{
    internal const string Account = "000000000000";

    [Fact]
    public async Task TwentySecondsAreRecordedInIvsLayoutWithThumbnailsAndEvents()
    {
        await using var server = await TestServer.StartAsync();
        var configuration = await CreateConfigurationAsync(server, "rec-ts",
            """{"recordingMode":"INTERVAL","targetIntervalSeconds":5,"resolution":"SD","storage":["SEQUENTIAL","LATEST"]}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}","latencyMode":"NORMAL"}""");
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 2500, 20);

        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            await WaitUntilStartedAsync(server, arn);
            await server.CallAsync("PutMetadata", $$"""{"channelArn":"{{arn}}","metadata":"recorded-cue-42"}""").OkAsync(204);
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        var end = await WaitForRecordingEventAsync(server, arn, "Recording End");
        var bucket = Path.Combine(server.DataDirectory, "s3", "rec-ts");
        var prefix = RecordingLayout.Prefixes(bucket, Account, ChannelId(arn)).Single();
        await RecordingLayout.AssertCompleteAsync(prefix, arn, 20, fmp4: false, (854, 480), expectedThumbnails: 4);
        Assert.Equal(1, RecordingLayout.PatsInFirstEntry(Path.Combine(prefix, "media", "hls", "720p30"))); // NORMAL: cut by the recorder, one entry per keyframe interval

        // The events: Recording Start, then Recording End with every field of ivs-behavior.md 4.4, on the session too.
        var start = RecordingEvents(server, arn).Single(e => (string?)e["detail"]!["recording_status"] == "Recording Start");
        var detail = end["detail"]!;
        var streamId = (string)detail["stream_id"]!;
        Assert.Equal("rec-ts", (string?)detail["recording_s3_bucket_name"]);
        Assert.Equal(prefix.Replace('\\', '/')[(bucket.Length + 1)..], (string?)detail["recording_s3_key_prefix"]);
        Assert.Equal(string.Empty, (string?)detail["recording_status_reason"]);
        Assert.Matches("^[a-zA-Z0-9]{16}$", (string)detail["recording_session_id"]!);
        Assert.Equal((string?)detail["recording_session_id"], (string?)start["detail"]!["recording_session_id"]);
        Assert.Equal(0, (long)start["detail"]!["recording_duration_ms"]!);
        Assert.Equal((long)RecordingLayout.Json(prefix, "recording-ended.json")["media"]!["hls"]!["duration_ms"]!, (long)detail["recording_duration_ms"]!);
        Assert.Equal([streamId], detail["recording_session_stream_ids"]!.AsArray().Select(s => (string)s!));
        Assert.Equal([arn], end["resources"]!.AsArray().Select(r => (string)r!));
        Assert.Null(start["detail"]!["recording_session_stream_ids"]);

        var session = (await server.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}","streamId":"{{streamId}}"}""").OkAsync())["streamSession"]!;
        Assert.Equal(configuration, (string?)session["recordingConfiguration"]!["arn"]);
        var names = session["truncatedEvents"]!.AsArray().Select(e => (string)e!["name"]!).ToList();
        Assert.Contains("Recording Start", names);
        Assert.Equal("Recording End", names[0]); // newest first
        Assert.Equal("IVS Recording State Change", (string?)session["truncatedEvents"]![0]!["type"]);

        // Timed metadata is recorded as it was delivered live (an ID3 tag in the TS).
        var media = Directory.GetFiles(Path.Combine(prefix, "media", "hls", "720p30"), "*.ts").Select(File.ReadAllBytes);
        Assert.Contains(media, bytes => bytes.AsSpan().IndexOf("recorded-cue-42"u8) >= 0);

        // Nothing is left in the spool once delivered.
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(server.DataDirectory, "recordings")));
    }

    [Fact]
    public async Task AStreamBackWithinTheReconnectWindowContinuesTheRecordingAndOneAfterItStartsANewOne()
    {
        await using var server = await TestServer.StartAsync();
        var configuration = await CreateConfigurationAsync(server, "rec-merge", """{"recordingMode":"DISABLED"}""", reconnectWindow: 6);
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}"}""");
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 2500, 6);
        var bucket = Path.Combine(server.DataDirectory, "s3", "rec-merge");

        await PublishOnceAsync(server, clip, key);
        await PublishOnceAsync(server, clip, key); // reconnects at once: same picture, same codecs
        var secondEnded = DateTimeOffset.UtcNow;
        var merged = await WaitForRecordingEventAsync(server, arn, "Recording End");
        // The window is 6 s; event times have whole seconds, so allow one for truncation and one for observing the end.
        Assert.True(DateTimeOffset.Parse((string)merged["time"]!) >= secondEnded.AddSeconds(4), "Recording End waits for the reconnect window");
        Assert.Equal(2, merged["detail"]!["recording_session_stream_ids"]!.AsArray().Count);

        await PublishOnceAsync(server, clip, key); // after the window: a new recording
        await PublishOnceAsync(server, await Ffmpeg.ClipAsync(1280, 720, 30, 500, 6), key); // within it, alike, but a fifth of the bitrate: another
        var separate = await WaitForRecordingEventAsync(server, arn, "Recording End", count: 2);
        Assert.Single(separate["detail"]!["recording_session_stream_ids"]!.AsArray());
        Assert.NotEqual((string?)merged["detail"]!["recording_s3_key_prefix"], (string?)separate["detail"]!["recording_s3_key_prefix"]);
        var lowBitrate = await WaitForRecordingEventAsync(server, arn, "Recording End", count: 3);
        Assert.Single(lowBitrate["detail"]!["recording_session_stream_ids"]!.AsArray());
        Assert.NotEqual((string?)separate["detail"]!["recording_s3_key_prefix"], (string?)lowBitrate["detail"]!["recording_s3_key_prefix"]);

        Assert.Equal(3, RecordingLayout.Prefixes(bucket, Account, ChannelId(arn)).Count);
        var first = Path.Combine(bucket, (string)merged["detail"]!["recording_s3_key_prefix"]!);
        var rendition = Path.Combine(first, "media", "hls", "720p30");
        var playlist = File.ReadAllText(Path.Combine(rendition, "playlist.m3u8"));
        Assert.Contains("#EXT-X-DISCONTINUITY", playlist, StringComparison.Ordinal);
        Assert.InRange((long)RecordingLayout.Json(first, "recording-ended.json")["media"]!["hls"]!["duration_ms"]!, 11_000, 13_000);
        RecordingLayout.AssertByteRanges(rendition, fmp4: false, RecordingLayout.Durations(playlist).Sum());
        Assert.True(RecordingLayout.PatsInFirstEntry(rendition) > 1, "a LOW latency channel is recorded from the live packager's segments (PAT/PMT at every part)");
        var (duration, packets) = await RecordingLayout.ProbeAsync(Path.Combine(first, "media", "hls", "master.m3u8"));
        Assert.InRange(duration, 11, 13);
        Assert.InRange(packets, 330, 390);
        await RecordingLayout.AssertCompleteAsync(Path.Combine(bucket, (string)separate["detail"]!["recording_s3_key_prefix"]!), arn, 6, fmp4: false, null, 0);
    }

    [Fact]
    public async Task ATranscodedStreamRecordsEveryRenditionInItsOwnFolder()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Transcoding.Enabled = true;
            o.Transcoding.X264Preset = "ultrafast";
            o.Transcoding.Niceness = 10;
            o.Transcoding.MaxLag = TimeSpan.FromSeconds(20); // a loaded test machine is not a transcoder falling behind
        });
        var configuration = await CreateConfigurationAsync(server, "rec-abr", """{"recordingMode":"DISABLED"}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}","type":"STANDARD"}""");
        await PublishOnceAsync(server, await Ffmpeg.ClipAsync(640, 360, 30, 700, 12), key); // STANDARD ladder of a 360p input: the source, 160p30

        await WaitForRecordingEventAsync(server, arn, "Recording End");
        var prefix = RecordingLayout.Prefixes(Path.Combine(server.DataDirectory, "s3", "rec-abr"), Account, ChannelId(arn)).Single();
        var expected = new[] { ("360p30", 640, 360), ("160p30", 284, 160) };
        foreach (var file in new[] { "recording-started.json", "recording-ended.json" })
        {
            var renditions = RecordingLayout.Json(prefix, file)["media"]!["hls"]!["renditions"]!.AsArray();
            Assert.Equal(expected, renditions.Select(r => ((string)r!["path"]!, (int)r["resolution_width"]!, (int)r["resolution_height"]!)).OrderByDescending(r => r.Item3));
        }

        var media = Path.Combine(prefix, "media", "hls");
        var master = File.ReadAllText(Path.Combine(media, "master.m3u8"));
        Assert.True(master.IndexOf("360p30/playlist.m3u8", StringComparison.Ordinal) < master.IndexOf("160p30/playlist.m3u8", StringComparison.Ordinal), master);
        Assert.Contains("RESOLUTION=284x160", master, StringComparison.Ordinal);
        Assert.Contains("160p30/byte-range-variant.m3u8", File.ReadAllText(Path.Combine(media, "byte-range-multivariant.m3u8")), StringComparison.Ordinal);
        foreach (var (name, _, _) in expected)
        {
            var rendition = Path.Combine(media, name);
            var playlist = File.ReadAllText(Path.Combine(rendition, "playlist.m3u8"));
            Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal);
            RecordingLayout.AssertByteRanges(rendition, fmp4: false, RecordingLayout.Durations(playlist).Sum());
            var (duration, _) = await RecordingLayout.ProbeAsync(Path.Combine(rendition, "playlist.m3u8"));
            Assert.InRange(duration, name == "360p30" ? 11 : 8, 13); // a transcoded rung begins once ffmpeg is up
        }
    }

    [Fact]
    public async Task AGracefulStopLeavesTheRecordingToBeFinishedOnTheNextStart()
    {
        var directory = TestServer.TempDirectory();
        try
        {
            string arn;
            var server = await TestServer.StartAsync(dataDirectory: directory);
            var configuration = await CreateConfigurationAsync(server, "rec-stop", """{"recordingMode":"DISABLED"}""");
            (arn, var key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}"}""");
            var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 700, 30), RtmpsUrl(server, key), loop: false);
            try
            {
                // Stop once a media file is delivered and the next one is open in the spool.
                var bucket = Path.Combine(directory, "s3", "rec-stop");
                await Eventually.ReturnsAsync(
                    () => Task.FromResult(Directory.Exists(bucket) && Directory.GetFiles(bucket, "0.ts", SearchOption.AllDirectories).Length == 1), ok => ok, "the first media file",
                    TimeSpan.FromSeconds(60));
                await Task.Delay(TimeSpan.FromSeconds(2)); // a little more media in the open file (the bound below needs none of it)
                await server.DisposeAsync(); // a graceful stop, mid-stream
            }
            finally
            {
                await publisher.DisposeAsync();
            }

            Assert.NotEmpty(Directory.EnumerateDirectories(Path.Combine(directory, "recordings"))); // left for the next start

            await using var restarted = await TestServer.StartAsync(dataDirectory: directory);
            var end = await WaitForRecordingEventAsync(restarted, arn, "Recording End");
            var prefix = RecordingLayout.Prefixes(Path.Combine(directory, "s3", "rec-stop"), Account, ChannelId(arn)).Single();
            var ended = RecordingLayout.Json(prefix, "recording-ended.json");
            Assert.Equal("RECORDING_ENDED", (string?)ended["recording_status"]);
            var durationMs = (long)ended["media"]!["hls"]!["duration_ms"]!;
            Assert.InRange(durationMs, 10_000, 30_000);
            Assert.Equal(durationMs, (long)end["detail"]!["recording_duration_ms"]!);
            var playlist = File.ReadAllText(Path.Combine(prefix, "media", "hls", "360p30", "playlist.m3u8"));
            Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal);
            var (duration, _) = await RecordingLayout.ProbeAsync(Path.Combine(prefix, "media", "hls", "master.m3u8"));
            Assert.InRange(duration, durationMs / 1000.0 - 0.5, durationMs / 1000.0 + 0.5);
            await Eventually.ReturnsAsync(
                () => Task.FromResult(Directory.EnumerateDirectories(Path.Combine(directory, "recordings")).Any()), any => !any, "the spool to empty");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task PublishOnceAsync(TestServer server, string clip, string key)
    {
        await using var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false);
        Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        await server.UntilStoredAsync(() => server.CallAsync("ListStreams").OkAsync(), s => s["streams"]!.AsArray().Count == 0, "the stream to end");
    }

    internal static async Task<string> CreateConfigurationAsync(TestServer server, string bucket, string thumbnails, int reconnectWindow = 0)
    {
        var body = $$$"""
            {"destinationConfiguration":{"s3":{"bucketName":"{{{bucket}}}"}},"thumbnailConfiguration":{{{thumbnails}}},"recordingReconnectWindowSeconds":{{{reconnectWindow}}}}
            """;
        var created = await server.CallAsync("CreateRecordingConfiguration", body).OkAsync();
        var arn = (string)created["recordingConfiguration"]!["arn"]!;
        await Eventually.ReturnsAsync(
            async () => (string?)(await server.CallAsync("GetRecordingConfiguration", $$"""{"arn":"{{arn}}"}""").OkAsync())["recordingConfiguration"]!["state"],
            s => s == "ACTIVE", "the recording configuration to become ACTIVE");
        return arn;
    }

    internal static string ChannelId(string arn) => arn[(arn.LastIndexOf('/') + 1)..];

    /// <summary>The channel's recording events in outbox (commit) order.</summary>
    internal static List<JsonNode> RecordingEvents(TestServer server, string arn) =>
        [.. server.OutboxEventsAsync().GetAwaiter().GetResult()
            .Where(e => (string?)e["detail-type"] == "IVS Recording State Change" && (string?)e["resources"]![0] == arn)];

    internal static async Task<JsonNode> WaitForRecordingEventAsync(TestServer server, string arn, string status, int count = 1) =>
        (await server.UntilStoredAsync(
            () => Task.FromResult(RecordingEvents(server, arn).Where(e => (string?)e["detail"]!["recording_status"] == status).ToList()),
            events => events.Count >= count, status, TimeSpan.FromSeconds(90)))[count - 1];
}
