using System.Diagnostics;
using System.Text.Json.Nodes;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>
/// PutMetadata end to end: real ffmpeg publishes, the SDK sends timed metadata, and hls.js in Chromium
/// (tests/js/drivers/hls-metadata.mjs) parses it from the LL-HLS segments as an ID3 cue (FRAG_PARSING_METADATA).
/// </summary>
public sealed class PutMetadataPlaybackTests
{
    [Theory]
    [InlineData("FRAGMENTED_MP4")]
    [InlineData("TS")]
    public async Task MetadataReachesHlsJsAsAnId3Cue(string containerFormat)
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var client = server.CreateClient();
        var created = await client.CreateChannelAsync(new CreateChannelRequest
        {
            Name = "metadata",
            LatencyMode = ChannelLatencyMode.Low,
            ContainerFormat = containerFormat,
            InsecureIngest = true,
        });
        var arn = created.Channel!.Arn!;
        using var ffmpeg = Publish($"rtmp://127.0.0.1:{server.Options.RtmpEndPoint.Port}/app/{created.StreamKey!.Value}");
        try
        {
            await WaitLiveAsync(client, arn, created.Channel.PlaybackUrl!, ffmpeg);
            var payload = $"cue-{Guid.NewGuid():N}";
            var player = NodeDriver.RunAsync("hls-metadata.mjs", new JsonObject
            {
                ["server"] = server.Endpoint.ToString().TrimEnd('/'),
                ["playbackUrl"] = created.Channel.PlaybackUrl,
                ["expect"] = new JsonArray(payload),
                ["timeoutMs"] = 60_000,
            }, TimeSpan.FromMinutes(3));

            // Send the cue every half second while the player runs: it sees whichever segments it loads.
            while (!player.IsCompleted)
            {
                await client.PutMetadataAsync(new PutMetadataRequest { ChannelArn = arn, Metadata = payload });
                await Task.WhenAny(player, Task.Delay(500));
            }

            var result = await player;
            Assert.True(result["found"]!.AsArray().Count == 1, $"hls.js did not report the cue: {result.ToJsonString()}");
            Assert.Empty(result["fatal"]!.AsArray());
            Assert.Contains(result["samples"]!.AsArray(), s => ((string?)s!["text"])!.Contains(payload, StringComparison.Ordinal) && ((string?)s["text"])!.StartsWith("ID3", StringComparison.Ordinal));
        }
        finally
        {
            if (!ffmpeg.HasExited)
            {
                ffmpeg.Kill(entireProcessTree: true);
                await ffmpeg.WaitForExitAsync();
            }
        }
    }

    /// <summary>Waits until the channel is live and its first segment is out (the multivariant playlist answers 200).</summary>
    internal static async Task WaitLiveAsync(IvsClient client, string arn, string playbackUrl, Process ffmpeg)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await client.GetStreamAsync(new GetStreamRequest { ChannelArn = arn });
                break;
            }
            catch (ChannelNotBroadcasting) when (DateTime.UtcNow < deadline && !ffmpeg.HasExited)
            {
                await Task.Delay(200);
            }
        }

        // Live for the API comes before the first segment; the player gives up on a first 404.
        using var http = new HttpClient();
        while (true)
        {
            using var response = await http.GetAsync(playbackUrl);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline && !ffmpeg.HasExited, $"the playlist answered {(int)response.StatusCode} until the deadline");
            await Task.Delay(200);
        }
    }

    internal static Process Publish(string url)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in ("-hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine " +
                     "-c:v libx264 -preset veryfast -tune zerolatency -g 30 -c:a aac -f flv").Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(url);
        var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start (apt-get install ffmpeg)");
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }
}
