using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Events;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Telemetry;

/// <summary>
/// The metrics of event delivery, recording uploads and transcoding, scraped from <c>/metrics</c> of a real
/// server while the real thing happens: an unreachable webhook, an S3 (moto) behind a proxy that goes down, an
/// ffmpeg transcoding a STANDARD channel.
/// </summary>
[Collection(MonitoredServers.Name)]
public class ComponentMetricsTests
{
    [Fact]
    public async Task AnUnreachableWebhooksBacklogGrowsWhileAWorkingSinkDeliversWithItsLag()
    {
        await using var receiver = await EventReceiver.StartAsync();
        var unreachable = $"http://127.0.0.1:{TestServer.FreePort()}/hook"; // nothing listens there
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Monitoring.MetricsOnHttp = true;
            o.Events.Webhooks = $"{receiver.Url},{unreachable}";
            o.Events.WebhookSecret = "webhook-secret-never-in-metrics";
        });
        var sinks = server.Services.GetRequiredService<EventRelay>().Sinks;
        var working = sinks.Single(s => s.DisplayName.Contains(receiver.Url.Authority, StringComparison.Ordinal)).Name;
        var dead = sinks.Single(s => s.Name != working).Name;

        await Tests.Events.WebhookDeliveryTests.AppendAsync(server, 5);

        await receiver.WaitForEventsAsync(5);
        var text = await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync("/metrics"),
            t => Sample(t, "openivs_events_backlog", ("sink", dead)) >= 5 && Sample(t, "openivs_events_delivered_total", ("sink", working), ("outcome", "delivered")) >= 5
                && Sample(t, "openivs_events_delivered_total", ("sink", dead), ("outcome", "failed")) >= 1,
            "the dead sink's backlog to hold the five events and the working sink to have delivered them");
        await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync("/metrics"), t => Sample(t, "openivs_events_backlog", ("sink", working)) == 0, "the working sink's backlog to empty");
        Assert.Equal(5, Sample(text, "openivs_events_delivery_lag_seconds_count", ("sink", working)));
        Assert.Null(Sample(text, "openivs_events_delivery_lag_seconds_count", ("sink", dead)));
        Assert.DoesNotContain("webhook-secret-never-in-metrics", text, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.Url.Authority, text, StringComparison.Ordinal); // sinks are named by a hash, not their URL

        // More events: the dead sink's backlog follows the outbox.
        await Tests.Events.WebhookDeliveryTests.AppendAsync(server, 3);
        await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync("/metrics"), t => Sample(t, "openivs_events_backlog", ("sink", dead)) >= 8, "the dead sink's backlog to grow to eight");
    }

    [Fact]
    public async Task RecordingUploadBacklogGrowsDuringAnS3OutageAndEmptiesWhenS3Returns()
    {
        await using var moto = await MotoServer.StartAsync();
        await moto.AwsAsync("s3 mb s3://rec-metrics");
        await using var proxy = new OutageProxy(moto.Endpoint);
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Monitoring.MetricsOnHttp = true;
            o.Recording.S3Endpoint = proxy.Address;
        });
        var configuration = await Tests.Recording.RecordingTests.CreateConfigurationAsync(server, "rec-metrics", """{"recordingMode":"DISABLED"}""");
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}"}""");
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 6);
        var idle = await server.Http.GetStringAsync("/metrics");
        Assert.Equal(0, Sample(idle, "openivs_recording_upload_backlog"));

        proxy.GoDown();
        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        var spool = server.Services.GetRequiredService<RecordingSpool>();
        await Eventually.TrueAsync(() => spool.Recordings.Any(r => r.Sealed), "the recording to be complete in the spool");
        var held = await server.Http.GetStringAsync("/metrics");
        Assert.True(Sample(held, "openivs_recording_upload_backlog") >= 3, "segments, playlist and metadata wait for S3");
        Assert.True(Sample(held, "openivs_recording_upload_backlog_bytes") > 100_000, $"backlog bytes {Sample(held, "openivs_recording_upload_backlog_bytes")}");

        proxy.ComeBack();
        await Tests.Recording.RecordingTests.WaitForRecordingEventAsync(server, arn, "Recording End");
        // The exporter may answer a scrape from its short cache: wait for a fresh one.
        await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync("/metrics"),
            t => Sample(t, "openivs_recording_upload_backlog") == 0 && Sample(t, "openivs_recording_upload_backlog_bytes") == 0,
            "the upload backlog to empty once S3 is back");
    }

    [Fact]
    public async Task TranscoderSlotsInUseFollowATranscodedStream()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Monitoring.MetricsOnHttp = true;
            o.Transcoding.Enabled = true;
            o.Transcoding.Slots = 3;
            o.Transcoding.X264Preset = "ultrafast";
            o.Transcoding.Niceness = 10;
            o.Transcoding.MaxLag = TimeSpan.FromSeconds(20);
        });
        var (arn, key) = await CreateChannelAsync(server, """{"insecureIngest":true,"type":"STANDARD"}""");
        var before = await server.Http.GetStringAsync("/metrics");
        Assert.Equal(0, Sample(before, "openivs_transcoder_slots_in_use"));
        Assert.Equal(3, Sample(before, "openivs_transcoder_slots")); // --transcode-slots 3

        await using (var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 500), RtmpUrl(server, key)))
        {
            await WaitUntilStartedAsync(server, arn);
            await Eventually.ReturnsAsync(
                () => server.Http.GetStringAsync("/metrics"), t => Sample(t, "openivs_transcoder_slots_in_use") == 1, "one slot in use");
        }

        await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync("/metrics"), t => Sample(t, "openivs_transcoder_slots_in_use") == 0, "the slot to be free once the stream ends");
    }

    /// <summary>The value of the first sample of <paramref name="metric"/> carrying every given label, or null.</summary>
    internal static double? Sample(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if ((line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
                && labels.All(l => line.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
