using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace OpenIvs.IntegrationTests.Durability;

/// <summary>
/// SIGKILL of the server while a stream is live and its events are still undelivered (the webhook refuses them):
/// after a restart on the same data directory every event of the stream reaches the webhook, in order, the
/// stream's end included (the session is closed at start-up). Real processes: the CLI server, ffmpeg, a listener.
/// </summary>
public class EventDurabilityTests
{
    [Fact]
    public async Task EventsOfAStreamLiveWhenTheServerIsKilledAreAllDeliveredAfterTheRestart()
    {
        using var webhook = new WebhookReceiver(accepting: false);
        var dataDirectory = Directory.CreateTempSubdirectory("openivs-events-").FullName;
        var options = new ServerOptions { DataDirectory = dataDirectory, ExtraArguments = ["--webhook", webhook.Url] };
        try
        {
            string channelArn;
            await using (var server = await ServerProcess.StartAsync(options))
            {
                var created = (await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/CreateChannel", """{"name":"killed"}"""))).Json!;
                channelArn = (string)created["channel"]!["arn"]!;
                var url = $"rtmps://{(string)created["channel"]!["ingestEndpoint"]!}/app/{(string)created["streamKey"]!["value"]!}";
                using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg",
                    ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
                     "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "flv", url])
                { RedirectStandardError = true })!;
                try
                {
                    // Stream Start is stored (the session shows it): then nothing delivered yet, and the server dies.
                    await WaitUntilAsync(async () =>
                    {
                        var session = await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/GetStreamSession", $$"""{"channelArn":"{{channelArn}}"}"""));
                        return session.Status == 200 && session.Text.Contains("\"Stream Start\"", StringComparison.Ordinal);
                    });
                    await WaitUntilAsync(() => Task.FromResult(webhook.Refused > 0));
                    server.Kill();
                }
                finally
                {
                    ffmpeg.Kill(entireProcessTree: true);
                }
            }

            Assert.Empty(webhook.Delivered);
            webhook.Accepting = true;
            await using var restarted = await ServerProcess.StartAsync(options);

            await WaitUntilAsync(() => Task.FromResult(webhook.Delivered.Any(e => (string?)e["detail"]?["event_name"] == "Session Ended")));
            var unique = webhook.Delivered.DistinctBy(e => (string)e["id"]!).ToList();
            Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], unique.Select(e => (string)e["detail"]!["event_name"]!));
            Assert.All(unique, e => Assert.Equal(channelArn, (string?)e["resources"]![0]));
            Assert.Single(unique.Select(e => (string)e["detail"]!["stream_id"]!).Distinct());
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Poll.TrueAsync(condition, TimeSpan.FromSeconds(60), "the condition holds");
}
