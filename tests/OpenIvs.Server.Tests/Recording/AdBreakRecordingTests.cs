using System.Text.RegularExpressions;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Scte35;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Recording.RecordingTests;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>Ad breaks are carried into recordings: the recorded playlists' EXT-X-DATERANGE, the TS files' SCTE-35.</summary>
public class AdBreakRecordingTests
{
    [Fact]
    public async Task TheRecordedPlaylistsAndFilesCarryTheBreakAndThePostRoll()
    {
        await using var server = await TestServer.StartAsync();
        var configuration = await CreateConfigurationAsync(server, "rec-ads", """{"recordingMode":"DISABLED"}""");
        var adConfiguration = (string)(await server.CallAsync("CreateAdConfiguration", """
            {"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ads"}],
             "postRollConfiguration":{"enabled":true,"durationSeconds":7}}
            """).OkAsync())["adConfiguration"]!["arn"]!;
        var (arn, key) = await CreateChannelAsync(server, $$"""{"recordingConfigurationArn":"{{configuration}}","adConfigurationArn":"{{adConfiguration}}"}""");
        var clip = await Ffmpeg.ClipAsync(854, 480, 30, 700, 12);

        string id;
        await using (var publisher = Ffmpeg.Publish(clip, RtmpsUrl(server, key), loop: false))
        {
            await WaitUntilStartedAsync(server, arn);
            id = (string)(await server.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{arn}}","durationSeconds":3}""").OkAsync())["adBreakId"]!;
            Assert.Equal(0, await publisher.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        var end = await WaitForRecordingEventAsync(server, arn, "Recording End");
        var prefix = Path.Combine(server.DataDirectory, "s3", "rec-ads", (string)end["detail"]!["recording_s3_key_prefix"]!);
        var rendition = Path.Combine(prefix, "media", "hls", "480p30");
        foreach (var name in new[] { "byte-range-variant.m3u8", "playlist.m3u8" })
        {
            var playlist = await File.ReadAllTextAsync(Path.Combine(rendition, name));
            var start = Regex.Match(playlist, $"#EXT-X-DATERANGE:ID=\"{id}\",CLASS=\"com.openivs.ad-break\",START-DATE=\"[^\"]+\",PLANNED-DURATION=3.000,SCTE35-OUT=0x([0-9A-F]+)\\n");
            Assert.True(start.Success, playlist);
            Assert.Matches($"#EXT-X-DATERANGE:ID=\"{id}\",[^\\n]*DURATION=[0-9.]+,PLANNED-DURATION=3.000,SCTE35-IN=0x", playlist);
            Assert.Matches("#EXT-X-DATERANGE:ID=\"[a-zA-Z0-9]{12}\",[^\\n]*PLANNED-DURATION=7.000,SCTE35-OUT=0x[0-9A-F]+\\n#EXT-X-ENDLIST\\n$", playlist);
            Assert.True(SpliceInfoSection.TryRead(Convert.FromHexString(start.Groups[1].Value), out var command, out _));
            Assert.Equal(3L * 90_000, command.BreakDuration);
        }

        // The recorded TS carries the splice_inserts on the SCTE-35 PID: the break's out and in, and the post-roll.
        var sections = new List<SpliceInsert>();
        foreach (var file in Directory.GetFiles(rendition, "*.ts").Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            for (var offset = 0; offset + TsPacket.Size <= bytes.Length; offset += TsPacket.Size)
            {
                var packet = bytes.AsSpan(offset, TsPacket.Size);
                if ((((packet[1] & 0x1F) << 8) | packet[2]) == TsPid.Scte35 && SpliceInfoSection.TryRead(packet[5..], out var command, out _))
                {
                    sections.Add(command);
                }
            }
        }

        Assert.Equal([true, false, true], sections.Select(s => s.OutOfNetwork));
        Assert.Equal(sections[0].EventId, sections[1].EventId);
        Assert.Equal(7L * 90_000, sections[2].BreakDuration);
    }
}
