using System.Diagnostics;
using System.Globalization;

namespace OpenIvs.IntegrationTests.Durability;

/// <summary>
/// A recording survives the server being killed mid-stream: after SIGKILL and a restart on the same data
/// directory the recording is finished (VOD playlists, recording-ended.json, Recording End) and holds every
/// keyframe interval the recorder had journaled before the kill.
/// </summary>
public class RecordingCrashTests
{
    [Fact]
    public async Task AKilledServerFinishesTheRecordingOnTheNextStart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("openivs-reccrash-").FullName;
        try
        {
            await RunAsync(dataDirectory);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task RunAsync(string dataDirectory)
    {
        var clip = Path.Combine(dataDirectory, "clip.flv");
        await RunToolAsync("ffmpeg", $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=sample_rate=48000 " +
            $"-c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -b:v 800k -c:a aac -t 30 -f flv {clip}");

        string channelArn, streamId;
        double journaledSeconds;
        var server = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory });
        Process? publisher = null;
        try
        {
            var configuration = (string)(await AwsCli.IvsAsync(server, "create-recording-configuration",
                "--destination-configuration", "s3={bucketName=rec-crash}", "--thumbnail-configuration", "recordingMode=DISABLED"))!["recordingConfiguration"]!["arn"]!;
            await WaitAsync(async () => (string?)(await AwsCli.IvsAsync(server, "get-recording-configuration", "--arn", configuration))!["recordingConfiguration"]!["state"] == "ACTIVE", "ACTIVE");
            var created = (await AwsCli.IvsAsync(server, "create-channel", "--recording-configuration-arn", configuration, "--insecure-ingest"))!;
            channelArn = (string)created["channel"]!["arn"]!;
            publisher = Process.Start(new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error -re -i {clip} -c copy -f flv rtmp://127.0.0.1:{server.RtmpPort}/app/{(string)created["streamKey"]!["value"]!}")
            {
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            })!;

            // Kill once more than one media file (10 s) is written: some of the recording is delivered, some is still open.
            await WaitAsync(() => Task.FromResult(JournaledSeconds(dataDirectory) >= 14), "14 s of recording in the spool", TimeSpan.FromSeconds(60));
            server.Kill();
            journaledSeconds = JournaledSeconds(dataDirectory);
            var journal = Directory.GetFiles(Path.Combine(dataDirectory, "recordings"), "journal.jsonl", SearchOption.AllDirectories).Single();
            streamId = (string)File.ReadLines(journal).Select(l => JsonNode.Parse(l)!).First(l => (string?)l["k"] == "stream")["id"]!;
        }
        finally
        {
            if (publisher is { HasExited: false })
            {
                publisher.Kill();
            }

            await server.DisposeAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory });
        var bucket = Path.Combine(dataDirectory, "s3", "rec-crash");
        var ended = await WaitForFileAsync(bucket, "recording-ended.json");
        var metadata = JsonNode.Parse(await File.ReadAllTextAsync(ended))!;
        Assert.Equal("RECORDING_ENDED", (string?)metadata["recording_status"]);
        var durationMs = (long)metadata["media"]!["hls"]!["duration_ms"]!;
        Assert.Equal((long)Math.Round(journaledSeconds * 1000), durationMs); // every journaled keyframe interval, nothing more

        var prefix = Path.GetDirectoryName(Path.GetDirectoryName(ended)!)!;
        var playlist = await File.ReadAllTextAsync(Path.Combine(prefix, "media", "hls", "360p30", "playlist.m3u8"));
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:VOD", playlist, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal);
        var probed = await RunToolAsync("ffprobe", $"-v error -show_entries format=duration -of csv=p=0 {Path.Combine(prefix, "media", "hls", "master.m3u8")}");
        Assert.InRange(double.Parse(probed.Trim(), CultureInfo.InvariantCulture), journaledSeconds - 0.5, journaledSeconds + 0.5);

        await WaitAsync(async () =>
        {
            var session = await AwsCli.IvsAsync(restarted, "get-stream-session", "--channel-arn", channelArn, "--stream-id", streamId);
            return session!["streamSession"]!["truncatedEvents"]!.AsArray().Any(e => (string?)e!["name"] == "Recording End");
        }, "Recording End on the stream session");
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(dataDirectory, "recordings")));
    }

    /// <summary>Seconds of media the recorder journaled (each a keyframe interval written to the spool).</summary>
    private static double JournaledSeconds(string dataDirectory)
    {
        var recordings = Path.Combine(dataDirectory, "recordings");
        if (!Directory.Exists(recordings))
        {
            return 0;
        }

        double total = 0;
        foreach (var journal in Directory.GetFiles(recordings, "journal.jsonl", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains("\"k\":\"seg\"", StringComparison.Ordinal) && line.EndsWith('}'))
                {
                    total += (double)JsonNode.Parse(line)!["d"]!;
                }
            }
        }

        return total;
    }

    private static async Task<string> WaitForFileAsync(string root, string name)
    {
        string? found = null;
        await WaitAsync(() => Task.FromResult((found = Directory.Exists(root) ? Directory.GetFiles(root, name, SearchOption.AllDirectories).SingleOrDefault() : null) is not null),
            name, TimeSpan.FromSeconds(60));
        return found!;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    private static async Task<string> RunToolAsync(string tool, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} {arguments}: {error}");
        return await output;
    }
}
