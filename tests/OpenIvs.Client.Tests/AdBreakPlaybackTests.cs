using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Media.Scte35;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>
/// InsertAdBreak end to end: real ffmpeg publishes, the SDK inserts an ad break, the LL-HLS playlist carries
/// EXT-X-DATERANGE with SCTE35-OUT/SCTE35-IN, and hls.js in Chromium (tests/js/drivers/hls-dateranges.mjs) reads
/// the range from <c>details.dateRanges</c> (Hls.Events.LEVEL_UPDATED).
/// </summary>
public sealed class AdBreakPlaybackTests
{
    [Theory]
    [InlineData("TS")]
    [InlineData("FRAGMENTED_MP4")]
    public async Task HlsJsReadsTheAdBreakFromTheMediaPlaylist(string containerFormat)
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var client = server.CreateClient();
        var adConfiguration = await client.CreateAdConfigurationAsync(new CreateAdConfigurationRequest
        {
            Name = "ads",
            MediaTailorPlaybackConfigurations = [new MediaTailorPlaybackConfiguration { PlaybackConfigurationArn = "arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/openivs-test" }],
        });
        var created = await client.CreateChannelAsync(new CreateChannelRequest
        {
            Name = "ads",
            LatencyMode = ChannelLatencyMode.Low,
            ContainerFormat = containerFormat,
            InsecureIngest = true,
            AdConfigurationArn = adConfiguration.AdConfiguration!.Arn,
        });
        var arn = created.Channel!.Arn!;

        // Not live yet: the model's ChannelNotBroadcasting (404).
        var offline = await Assert.ThrowsAsync<ChannelNotBroadcasting>(() => client.InsertAdBreakAsync(new InsertAdBreakRequest { ChannelArn = arn, DurationSeconds = 3 }));
        Assert.Contains("is not currently online", offline.Message, StringComparison.Ordinal);

        using var ffmpeg = PutMetadataPlaybackTests.Publish($"rtmp://127.0.0.1:{server.Options.RtmpEndPoint.Port}/app/{created.StreamKey!.Value}");
        try
        {
            await PutMetadataPlaybackTests.WaitLiveAsync(client, arn, created.Channel.PlaybackUrl!, ffmpeg);

            // Durations outside 1-300 s are refused by the model's range.
            await Assert.ThrowsAsync<ValidationException>(() => client.InsertAdBreakAsync(new InsertAdBreakRequest { ChannelArn = arn, DurationSeconds = 301 }));

            var inserted = await client.InsertAdBreakAsync(new InsertAdBreakRequest { ChannelArn = arn, DurationSeconds = 3 });
            var id = inserted.AdBreakId!;
            Assert.Matches("^[a-zA-Z0-9]{12}$", id);

            // One break at a time.
            await Assert.ThrowsAsync<ConflictException>(() => client.InsertAdBreakAsync(new InsertAdBreakRequest { ChannelArn = arn, DurationSeconds = 3 }));

            var result = await NodeDriver.RunAsync("hls-dateranges.mjs", new JsonObject
            {
                ["server"] = server.Endpoint.ToString().TrimEnd('/'),
                ["playbackUrl"] = created.Channel.PlaybackUrl,
                ["expect"] = new JsonArray(id),
                ["ended"] = true,
                ["timeoutMs"] = 60_000,
            }, TimeSpan.FromMinutes(3));

            Assert.True(result["found"]!.AsArray().Count == 1, $"hls.js did not report the ad break: {result.ToJsonString()}");
            Assert.Empty(result["fatal"]!.AsArray());
            var range = result["dateRanges"]!.AsArray().Single(r => (string?)r!["id"] == id)!;
            Assert.Equal("com.openivs.ad-break", (string?)range["class"]);
            Assert.True((bool)range["isValid"]!, range.ToJsonString());
            Assert.Equal(3.0, (double)range["plannedDuration"]!);
            Assert.InRange((double)range["duration"]!, 2.9, 4.1); // ends at the first keyframe (every second) after 3 s
            Assert.True(double.IsFinite((double)range["startTime"]!), "hls.js placed the range on the media timeline (PROGRAM-DATE-TIME)");
            var spliceOut = ReadSplice((string)range["scte35Out"]!);
            Assert.True(spliceOut.OutOfNetwork);
            Assert.Equal(3L * 90_000, spliceOut.BreakDuration);
            var spliceIn = ReadSplice((string)range["scte35In"]!);
            Assert.False(spliceIn.OutOfNetwork);
            Assert.Equal(spliceOut.EventId, spliceIn.EventId);
            Assert.Equal((double)range["duration"]!, (spliceIn.PtsTime!.Value - spliceOut.PtsTime!.Value) / 90_000.0, 3);

            // START-DATE is the PROGRAM-DATE-TIME of the segment the break starts with, in the playlist as served.
            var startDate = DateTimeOffset.Parse((string)range["startDate"]!, CultureInfo.InvariantCulture);
            using var http = new HttpClient();
            var multivariant = await http.GetStringAsync(created.Channel.PlaybackUrl);
            var mediaUrl = new Uri(new Uri(created.Channel.PlaybackUrl!), multivariant.Split('\n').First(l => l.Length > 0 && !l.StartsWith('#'))).ToString();
            var media = await http.GetStringAsync(mediaUrl);
            var tag = Regex.Match(media, $"#EXT-X-PROGRAM-DATE-TIME:(?<pdt>[^\\n]+)\\n#EXT-X-DATERANGE:ID=\"{id}\",[^\\n]*SCTE35-OUT=");
            if (tag.Success)
            {
                Assert.Equal(startDate, DateTimeOffset.Parse(tag.Groups["pdt"].Value, CultureInfo.InvariantCulture));
            }
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

    private static SpliceInsert ReadSplice(string hex)
    {
        Assert.StartsWith("0x", hex, StringComparison.Ordinal);
        var bytes = Convert.FromHexString(hex[2..]);
        Assert.True(SpliceInfoSection.TryRead(bytes, out var command, out var length), $"not a splice_insert with a valid CRC: {hex}");
        Assert.Equal(bytes.Length, length);
        return command;
    }
}
