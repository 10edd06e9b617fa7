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
        var separate = await WaitForRecordingEventAsync(server, arn, "Recording End", count: 2);
        Assert.Single(separate["detail"]!["recording_session_stream_ids"]!.AsArray());
        Assert.NotEqual((string?)merged["detail"]!["recording_s3_key_prefix"], (string?)separate["detail"]!["recording_s3_key_prefix"]);

        Assert.Equal(2, RecordingLayout.Prefixes(bucket, Account, ChannelId(arn)).Count);
        var first = Path.Combine(bucket, (string)merged["detail"]!["recording_s3_key_prefix"]!);
        var rendition = Path.Combine(first, "media", "hls", "720p30");
        var playlist = File.ReadAllText(Path.Combine(rendition, "playlist.m3u8"));
        Assert.Contains("#EXT-X-DISCONTINUITY", playlist, StringComparison.Ordinal);
        Assert.InRange((long)RecordingLayout.Json(first, "recording-ended.json")["media"]!["hls"]!["duration_ms"]!, 11_000, 13_000);
        RecordingLayout.AssertByteRanges(rendition, fmp4: false, RecordingLayout.Durations(playlist).Sum());
        var (duration, packets) = await RecordingLayout.ProbeAsync(Path.Combine(first, "media", "hls", "master.m3u8"));
        Assert.InRange(duration, 11, 13);
        Assert.InRange(packets, 330, 390);
        await RecordingLayout.AssertCompleteAsync(Path.Combine(bucket, (string)separate["detail"]!["recording_s3_key_prefix"]!), arn, 6, fmp4: false, null, 0);
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
