using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Scte35;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// InsertAdBreak on a transcoded channel: every rendition's media playlist carries the same EXT-X-DATERANGE (one
/// START-DATE, one DURATION), the TS segments carry the splice_insert on the SCTE-35 PID, and the ad
/// configuration's post-roll is marked after the last segment when the stream stops.
/// </summary>
public class AdBreakTests
{
    [Fact]
    public async Task EveryRenditionCarriesTheBreakAndTheTsSegmentsItsSpliceInsert()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Transcoding.Enabled = true;
            o.Transcoding.X264Preset = "ultrafast";
            o.Transcoding.Niceness = 10;
            o.Transcoding.MaxLag = TimeSpan.FromSeconds(20);
        });
        var adConfiguration = await server.CallAsync("CreateAdConfiguration", """
            {"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ads"}],
             "postRollConfiguration":{"enabled":true,"durationSeconds":5}}
            """).OkAsync();
        var created = await server.CallAsync("CreateChannel", $$"""
            {"insecureIngest":true,"type":"STANDARD","containerFormat":"TS","adConfigurationArn":"{{(string)adConfiguration["adConfiguration"]!["arn"]!}}"}
            """).OkAsync();
        var arn = (string)created["channel"]!["arn"]!;
        var playbackUrl = (string)created["channel"]!["playbackUrl"]!;
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(854, 480, 30, 700), RtmpUrl(server, (string)created["streamKey"]!["value"]!));
        await WaitUntilStartedAsync(server, arn);
        var mediaUrls = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await server.Http.GetAsync(playbackUrl);
                var text = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : string.Empty;
                return text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => new Uri(new Uri(playbackUrl), l).ToString()).ToList();
            },
            urls => urls.Count >= 3,
            "the transcoded renditions in the multivariant playlist",
            TimeSpan.FromSeconds(60));

        var id = (string)(await server.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{arn}}","durationSeconds":4}""").OkAsync())["adBreakId"]!;

        // Each rendition: the start (SCTE35-OUT) and the end (SCTE35-IN) of the break in its own media playlist.
        var tags = new List<(string Url, string Playlist, Dictionary<string, string> Out, Dictionary<string, string> In)>();
        foreach (var url in mediaUrls)
        {
            var playlist = await Eventually.ReturnsAsync(
                () => server.Http.GetStringAsync(url),
                text => text.Contains($"#EXT-X-DATERANGE:ID=\"{id}\"", StringComparison.Ordinal) && text.Contains("SCTE35-IN=", StringComparison.Ordinal),
                $"the break's start and end in {url}",
                TimeSpan.FromSeconds(60));
            var ranges = Regex.Matches(playlist, $"#EXT-X-DATERANGE:(ID=\"{id}\"[^\\n]*)").Select(m => Attributes(m.Groups[1].Value)).ToList();
            tags.Add((url, playlist, ranges.Single(r => r.ContainsKey("SCTE35-OUT")), ranges.Single(r => r.ContainsKey("SCTE35-IN"))));
        }

        foreach (var (url, playlist, start, end) in tags)
        {
            Assert.Equal("com.openivs.ad-break", start["CLASS"]);
            Assert.Equal("4.000", start["PLANNED-DURATION"]);
            Assert.Equal(start["START-DATE"], end["START-DATE"]);
            Assert.InRange(double.Parse(end["DURATION"], CultureInfo.InvariantCulture), 3.9, 6.1); // the first keyframe (2 s GOP) after 4 s

            // START-DATE is the PROGRAM-DATE-TIME of the segment the tag precedes.
            Assert.Contains($"#EXT-X-PROGRAM-DATE-TIME:{start["START-DATE"]}\n#EXT-X-DATERANGE:ID=\"{id}\"", playlist, StringComparison.Ordinal);
            Assert.True(SpliceInfoSection.TryRead(Convert.FromHexString(start["SCTE35-OUT"][2..]), out var spliceOut, out _), url);
            Assert.True(spliceOut.OutOfNetwork);
            Assert.Equal(4L * 90_000, spliceOut.BreakDuration);
        }

        // One break, one instant: the same START-DATE, DURATION and splice in every rendition.
        Assert.Single(tags.Select(t => t.Out["START-DATE"]).Distinct());
        Assert.Single(tags.Select(t => t.In["DURATION"]).Distinct());
        Assert.Single(tags.Select(t => t.Out["SCTE35-OUT"]).Distinct());

        // The source's segment that starts the break carries the same splice_info_section on PID 0x1F4 (stream_type
        // 0x86 in the PMT), which ffprobe recognizes as SCTE-35.
        var (sourceUrl, sourcePlaylist, sourceOut, _) = tags[0];
        var segmentUri = Regex.Match(sourcePlaylist, $"#EXT-X-DATERANGE:ID=\"{id}\"[^\\n]*SCTE35-OUT[^\\n]*\\n(?:#[^\\n]*\\n)*([^#\\n][^\\n]*)\\n").Groups[1].Value;
        Assert.NotEmpty(segmentUri);
        var segment = await server.Http.GetByteArrayAsync(new Uri(new Uri(sourceUrl), segmentUri));
        var sections = new List<string>();
        for (var offset = 0; offset + TsPacket.Size <= segment.Length; offset += TsPacket.Size)
        {
            var packet = segment.AsSpan(offset, TsPacket.Size);
            if ((((packet[1] & 0x1F) << 8) | packet[2]) == TsPid.Scte35)
            {
                Assert.True(SpliceInfoSection.TryRead(packet[5..], out _, out var length));
                sections.Add("0x" + Convert.ToHexString(packet.Slice(5, length)));
            }
        }

        Assert.Equal([sourceOut["SCTE35-OUT"]], sections);
        var path = Path.Combine(TestServer.TempDirectory(), "break.ts");
        await File.WriteAllBytesAsync(path, segment);
        var (code, streams) = await ProbeAsync(path);
        Assert.True(code == 0, streams);
        Assert.Contains("codec_name=scte_35", streams, StringComparison.Ordinal);

        // Stopping the stream: the post-roll (5 s, enabled in the ad configuration) follows the last segment.
        await server.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").OkAsync();
        var ended = await Eventually.ReturnsAsync(
            () => server.Http.GetStringAsync(sourceUrl),
            text => text.Contains("#EXT-X-ENDLIST", StringComparison.Ordinal),
            "the ended playlist",
            TimeSpan.FromSeconds(30));
        var postRoll = Regex.Match(ended, "\\n([^#\\n][^\\n]*)\\n#EXT-X-DATERANGE:(ID=\"[a-zA-Z0-9]{12}\"[^\\n]*)\\n#EXT-X-ENDLIST\\n$");
        Assert.True(postRoll.Success, ended);
        var attributes = Attributes(postRoll.Groups[2].Value);
        Assert.Equal("5.000", attributes["PLANNED-DURATION"]);
        Assert.True(SpliceInfoSection.TryRead(Convert.FromHexString(attributes["SCTE35-OUT"][2..]), out var postRollSplice, out _));
        Assert.Equal(5L * 90_000, postRollSplice.BreakDuration);
    }

    private static Dictionary<string, string> Attributes(string list) =>
        Regex.Matches(list, "([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));

    private static async Task<(int Code, string Output)> ProbeAsync(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "ffprobe", $"-v error -show_entries stream=codec_type,codec_name -of compact {path}") { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
