using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Recording.RecordingTests;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>
/// Recording into a real S3 API (moto's server mode) through AWSSDK.S3, read back with the AWS CLI. Real time:
/// ffmpeg, moto and the SDK's retries run on the wall clock, so waits are on the spool and the bucket (Eventually).
/// </summary>
public class S3RecordingTests
{
    [Fact]
    public async Task Fmp4RecordingLandsInS3AndAMissingBucketFailsTheConfiguration()
    {
        await using var moto = await MotoServer.StartAsync();
        await moto.AwsAsync("s3 mb s3://rec-s3");
        await using var server = await TestServer.StartAsync(o => o.Recording.S3Endpoint = moto.Endpoint.GetLeftPart(UriPartial.Authority));

        // A bucket that does not exist: CREATE_FAILED, and no channel may use the configuration.
        var missing = (string)(await server.CallAsync("CreateRecordingConfiguration", """{"destinationConfiguration":{"s3":{"bucketName":"no-such-bucket"}}}""")
            .OkAsync())["recordingConfiguration"]!["arn"]!;
        await Eventually.ReturnsAsync(
            async () => (string?)(await server.CallAsync("GetRecordingConfiguration", $$"""{"arn":"{{missing}}"}""").OkAsync())["recordingConfiguration"]!["state"],
            s => s == "CREATE_FAILED", "CREATE_FAILED");
        await server.CallAsync("CreateChannel", $$"""{"recordingConfigurationArn":"{{missing}}"}""").ErrorAsync(400, "ValidationException");

        var configuration = await CreateConfigurationAsync(server, "rec-s3", """{"targetIntervalSeconds":5}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}","containerFormat":"FRAGMENTED_MP4"}""");
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 2500, 12);
        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        await WaitForRecordingEventAsync(server, arn, "Recording End");
        var listing = await moto.AwsAsync("s3 ls --recursive s3://rec-s3/");
        Assert.Contains("/media/hls/720p30/0.mp4", listing, StringComparison.Ordinal);
        Assert.Contains("/events/recording-ended.json", listing, StringComparison.Ordinal);
        Assert.DoesNotContain(".openivs-write-check", listing, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "s3", "rec-s3")), "nothing in the embedded destination");

        var copy = TestServer.TempDirectory();
        try
        {
            await moto.AwsAsync($"s3 cp --recursive --quiet s3://rec-s3/ {copy}");
            var prefix = RecordingLayout.Prefixes(copy, Account, ChannelId(arn)).Single();
            await RecordingLayout.AssertCompleteAsync(prefix, arn, 12, fmp4: true, (1280, 720), expectedThumbnails: 2);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task AnS3OutageIsSpooledAndDeliveredWhenS3Returns()
    {
        await using var moto = await MotoServer.StartAsync();
        await moto.AwsAsync("s3 mb s3://rec-outage");
        await using var proxy = new OutageProxy(moto.Endpoint);
        await using var server = await TestServer.StartAsync(o => o.Recording.S3Endpoint = proxy.Address);
        var configuration = await CreateConfigurationAsync(server, "rec-outage", """{"recordingMode":"DISABLED"}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}"}""");
        var clip = await Ffmpeg.ClipAsync(1280, 720, 30, 2500, 12);

        proxy.GoDown();
        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        // The whole recording waits in the spool; no Recording End while S3 is away.
        var spool = server.Services.GetRequiredService<RecordingSpool>();
        await Eventually.TrueAsync(() => spool.Recordings.Any(r => r.Sealed), "the recording to be complete in the spool");
        Assert.True(spool.Bytes > 2_000_000, $"spooled {spool.Bytes} bytes");
        Assert.True(proxy.Refused > 0);
        Assert.DoesNotContain(RecordingEvents(server, arn), e => (string?)e["detail"]!["recording_status"] == "Recording End");

        proxy.ComeBack();
        await WaitForRecordingEventAsync(server, arn, "Recording End");
        Assert.Equal(0, spool.Bytes);
        var copy = TestServer.TempDirectory();
        try
        {
            await moto.AwsAsync($"s3 cp --recursive --quiet s3://rec-outage/ {copy}");
            var prefix = RecordingLayout.Prefixes(copy, Account, ChannelId(arn)).Single();
            await RecordingLayout.AssertCompleteAsync(prefix, arn, 12, fmp4: false, thumbnails: null, expectedThumbnails: 0);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task AFullSpoolFailsTheRecordingButNeverTheStream()
    {
        await using var moto = await MotoServer.StartAsync();
        await moto.AwsAsync("s3 mb s3://rec-full");
        await using var proxy = new OutageProxy(moto.Endpoint);
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Recording.S3Endpoint = proxy.Address;
            o.Recording.SpoolLimit = 1024 * 1024; // under a second keyframe interval of 2.5 Mbps
        });
        var configuration = await CreateConfigurationAsync(server, "rec-full", """{"recordingMode":"DISABLED"}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}"}""");
        proxy.GoDown();

        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(1280, 720, 30, 2500, 12), RtmpsUrl(server, key));
        var failure = await WaitForRecordingEventAsync(server, arn, "Recording End Failure");
        Assert.Equal("InternalServerException", (string?)failure["detail"]!["recording_status_reason"]);

        // The stream is untouched: still live, still publishing, still played.
        var stream = await GetStreamAsync(server, arn);
        Assert.Equal("LIVE", (string?)stream!["state"]);
        Assert.False(publisher.HasExited);
        using (var playlist = await server.Http.GetAsync(new Uri((string)stream["playbackUrl"]!).PathAndQuery))
        {
            Assert.True(playlist.IsSuccessStatusCode);
        }

        // What was safely spooled reaches S3 when it returns, with recording-failed.json.
        proxy.ComeBack();
        var spool = server.Services.GetRequiredService<RecordingSpool>();
        await Eventually.TrueAsync(() => spool.Recordings.Count == 0, "the failed recording to be delivered", TimeSpan.FromSeconds(60));
        var copy = TestServer.TempDirectory();
        try
        {
            await moto.AwsAsync($"s3 cp --recursive --quiet s3://rec-full/ {copy}");
            var prefix = RecordingLayout.Prefixes(copy, Account, ChannelId(arn)).Single();
            var failed = RecordingLayout.Json(prefix, "recording-failed.json");
            Assert.Equal("RECORDING_ENDED_WITH_FAILURE", (string?)failed["recording_status"]);
            Assert.Equal("InternalServerException", (string?)failed["recording_status_message"]);
            Assert.False(File.Exists(Path.Combine(prefix, "events", "recording-ended.json")));
            var durationMs = (long)failed["media"]!["hls"]!["duration_ms"]!;
            Assert.Equal((long?)failure["detail"]!["recording_duration_ms"], durationMs);
            var rendition = Path.Combine(prefix, "media", "hls", "720p30");
            var playlist = await File.ReadAllTextAsync(Path.Combine(rendition, "playlist.m3u8"));
            Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal);
            Assert.Equal(durationMs, (long)Math.Round(RecordingLayout.Durations(playlist).Sum() * 1000));
            RecordingLayout.AssertByteRanges(rendition, fmp4: false, durationMs / 1000.0);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
