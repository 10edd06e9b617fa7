using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>Auto-record with real ffmpeg publishers, checked file by file against IVS's layout.</summary>
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

        // Nothing is left in the spool once delivered.
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(server.DataDirectory, "recordings")));
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

    internal static List<JsonNode> RecordingEvents(TestServer server, string arn) =>
        [.. server.Services.GetRequiredService<StreamTables>().Outbox.Values
            .Select(e => JsonNode.Parse(e.Json)!)
            .Where(e => (string?)e["detail-type"] == "IVS Recording State Change" && (string?)e["resources"]![0] == arn)
            .OrderBy(e => (string)e["time"]!)];

    internal static async Task<JsonNode> WaitForRecordingEventAsync(TestServer server, string arn, string status, int count = 1) =>
        (await Eventually.ReturnsAsync(
            () => Task.FromResult(RecordingEvents(server, arn).Where(e => (string?)e["detail"]!["recording_status"] == status).ToList()),
            events => events.Count >= count, status, TimeSpan.FromSeconds(90)))[count - 1];
}
