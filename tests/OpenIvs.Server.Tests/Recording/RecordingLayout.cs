using System.Globalization;
using System.Text.Json.Nodes;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>
/// Checks a recording as IVS leaves it in the bucket (ivs-behavior.md section 5), given a folder holding the
/// bucket's objects (the embedded destination, or what <c>aws s3 cp --recursive</c> fetched from an S3 service).
/// </summary>
internal static class RecordingLayout
{
    /// <summary>The recording prefixes (folders) of a channel, oldest first.</summary>
    public static List<string> Prefixes(string bucketDirectory, string account, string channelId)
    {
        var channel = Path.Combine(bucketDirectory, "ivs", "v1", account, channelId);
        if (!Directory.Exists(channel))
        {
            return [];
        }

        // <yyyy>/<m>/<d>/<h>/<mm>/<recording id>: six levels.
        IEnumerable<string> level = [channel];
        for (var i = 0; i < 6; i++)
        {
            level = level.SelectMany(Directory.EnumerateDirectories);
        }

        return [.. level.OrderBy(d => File.GetCreationTimeUtc(Path.Combine(d, "events", "recording-started.json")))];
    }

    public static JsonObject Json(string prefix, string name) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(prefix, "events", name)))!;

    /// <summary>Everything about a finished recording of <paramref name="seconds"/> of 1280x720 30 fps media.</summary>
    public static async Task AssertCompleteAsync(
        string prefix, string channelArn, double seconds, bool fmp4, (int Width, int Height)? thumbnails, int expectedThumbnails)
    {
        var relative = prefix.Replace('\\', '/');
        var keyPrefix = relative[relative.IndexOf("ivs/v1/", StringComparison.Ordinal)..];
        var parts = keyPrefix.Split('/');
        Assert.Equal(10, parts.Length);
        Assert.Matches("^[a-zA-Z0-9]{12}$", parts[9]);
        foreach (var number in parts[4..9])
        {
            Assert.False(number.Length > 1 && number[0] == '0', $"no zero padding in {keyPrefix}");
        }

        var started = Json(prefix, "recording-started.json");
        Assert.Equal("v1", (string?)started["version"]);
        Assert.Equal(channelArn, (string?)started["channel_arn"]);
        Assert.Equal("RECORDING_STARTED", (string?)started["recording_status"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string)started["recording_started_at"]!);
        Assert.False(File.Exists(Path.Combine(prefix, "events", "recording-failed.json")));

        var ended = Json(prefix, "recording-ended.json");
        Assert.Equal("RECORDING_ENDED", (string?)ended["recording_status"]);
        Assert.Equal((string?)started["recording_started_at"], (string?)ended["recording_started_at"]);
        Assert.True(DateTimeOffset.Parse((string)ended["recording_ended_at"]!, CultureInfo.InvariantCulture) >= DateTimeOffset.Parse((string)ended["recording_started_at"]!, CultureInfo.InvariantCulture));
        var hls = ended["media"]!["hls"]!;
        Assert.InRange((long)hls["duration_ms"]!, (long)((seconds - 1) * 1000), (long)((seconds + 1) * 1000));
        Assert.Equal("media/hls", (string?)hls["path"]);
        Assert.Equal("master.m3u8", (string?)hls["playlist"]);
        Assert.Equal("byte-range-multivariant.m3u8", (string?)hls["byte_range_playlist"]);
        var rendition = hls["renditions"]!.AsArray().Single()!;
        Assert.Equal("720p30", (string?)rendition["path"]);
        Assert.Equal("playlist.m3u8", (string?)rendition["playlist"]);
        Assert.Equal("byte-range-variant.m3u8", (string?)rendition["byte_range_playlist"]);
        Assert.Equal(1280, (int)rendition["resolution_width"]!);
        Assert.Equal(720, (int)rendition["resolution_height"]!);

        var media = Path.Combine(prefix, "media", "hls");
        var master = File.ReadAllText(Path.Combine(media, "master.m3u8"));
        Assert.Contains("720p30/playlist.m3u8", master, StringComparison.Ordinal);
        Assert.Contains("RESOLUTION=1280x720", master, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-SESSION-DATA:DATA-ID=\"net.live-video.content.id\"", master, StringComparison.Ordinal);
        Assert.Contains("720p30/byte-range-variant.m3u8", File.ReadAllText(Path.Combine(media, "byte-range-multivariant.m3u8")), StringComparison.Ordinal);

        var playlist = File.ReadAllText(Path.Combine(media, "720p30", "playlist.m3u8"));
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:VOD", playlist, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", playlist, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PROGRAM-DATE-TIME:", playlist, StringComparison.Ordinal);
        var extension = fmp4 ? ".mp4" : ".ts";
        var fileDurations = Durations(playlist);
        Assert.All(fileDurations[..^1], d => Assert.InRange(d, 9.9, 12.1)); // about 10 s per media file
        Assert.Contains("0" + extension, playlist, StringComparison.Ordinal);
        if (fmp4)
        {
            Assert.Contains("#EXT-X-MAP:URI=\"init-0.mp4\"", playlist, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(media, "720p30", "init-0.mp4")));
        }

        AssertByteRanges(Path.Combine(media, "720p30"), fmp4, fileDurations.Sum());

        // ffprobe reads both playlists end to end: every packet, the right duration.
        foreach (var entry in new[] { "master.m3u8", "byte-range-multivariant.m3u8" })
        {
            var (duration, videoPackets) = await ProbeAsync(Path.Combine(media, entry));
            Assert.InRange(duration, seconds - 1, seconds + 1);
            Assert.InRange(videoPackets, (int)((seconds - 1) * 30), (int)((seconds + 1) * 30));
        }

        if (thumbnails is null)
        {
            Assert.Null(ended["media"]!["thumbnails"]);
            Assert.False(Directory.Exists(Path.Combine(prefix, "media", "thumbnails")));
        }
        else if (thumbnails is { } size)
        {
            Assert.Equal("media/thumbnails", (string?)ended["media"]!["thumbnails"]!["path"]);
            var jpegs = Directory.GetFiles(Path.Combine(prefix, "media", "thumbnails"), "thumb*.jpg");
            Assert.InRange(jpegs.Length, expectedThumbnails - 1, expectedThumbnails + 1);
            Assert.Contains(jpegs, j => Path.GetFileName(j) == "thumb0.jpg");
            var latest = ended["media"]!["latest_thumbnail"] is not null;
            if (latest)
            {
                Assert.Equal("media/latest_thumbnail/thumb.jpg", (string?)ended["media"]!["latest_thumbnail"]!["path"]);
                jpegs = [.. jpegs, Path.Combine(prefix, "media", "latest_thumbnail", "thumb.jpg")];
            }
            else
            {
                Assert.False(Directory.Exists(Path.Combine(prefix, "media", "latest_thumbnail")));
            }

            foreach (var jpeg in jpegs)
            {
                Assert.Equal(size, JpegSize(File.ReadAllBytes(jpeg)));
            }

            Assert.Equal(size.Width, (int)ended["media"]!["thumbnails"]!["resolution_width"]!);
            Assert.Equal(size.Height, (int)ended["media"]!["thumbnails"]!["resolution_height"]!);
        }
    }

    /// <summary>Byte ranges tile each media file without gap or overlap, each starting a decodable unit, and add up to the files' duration.</summary>
    public static void AssertByteRanges(string rendition, bool fmp4, double totalSeconds)
    {
        var lines = File.ReadAllLines(Path.Combine(rendition, "byte-range-variant.m3u8"));
        Assert.Contains("#EXT-X-VERSION:" + (fmp4 ? "6" : "4"), lines);
        Assert.Equal("#EXT-X-ENDLIST", lines[^1]);
        var next = new Dictionary<string, long>();
        double seconds = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("#EXT-X-BYTERANGE:", StringComparison.Ordinal))
            {
                continue;
            }

            var range = lines[i]["#EXT-X-BYTERANGE:".Length..].Split('@');
            var (length, offset) = (long.Parse(range[0], CultureInfo.InvariantCulture), long.Parse(range[1], CultureInfo.InvariantCulture));
            seconds += double.Parse(lines[i + 1]["#EXTINF:".Length..].TrimEnd(','), CultureInfo.InvariantCulture);
            var file = lines[i + 2];
            Assert.Equal(next.GetValueOrDefault(file), offset);
            next[file] = offset + length;
            using var stream = File.OpenRead(Path.Combine(rendition, file));
            var head = new byte[8];
            stream.Position = offset;
            stream.ReadExactly(head);
            if (fmp4)
            {
                Assert.Equal("moof", System.Text.Encoding.ASCII.GetString(head, 4, 4));
            }
            else
            {
                Assert.Equal(0x47, head[0]); // a TS packet: the PAT (PID 0) starts every keyframe interval
                Assert.Equal(0, ((head[1] & 0x1F) << 8) | head[2]);
            }
        }

        Assert.NotEmpty(next);
        foreach (var (file, end) in next)
        {
            Assert.Equal(new FileInfo(Path.Combine(rendition, file)).Length, end);
        }

        Assert.InRange(seconds, totalSeconds - 0.01, totalSeconds + 0.01);
    }

    /// <summary>TS packets of PID 0 (PAT) in a rendition's first byte-range entry: one per LL-HLS part when it is the live packager's segment.</summary>
    public static int PatsInFirstEntry(string rendition)
    {
        var lines = File.ReadAllLines(Path.Combine(rendition, "byte-range-variant.m3u8"));
        var at = Array.FindIndex(lines, l => l.StartsWith("#EXT-X-BYTERANGE:", StringComparison.Ordinal));
        var range = lines[at]["#EXT-X-BYTERANGE:".Length..].Split('@');
        var bytes = File.ReadAllBytes(Path.Combine(rendition, lines[at + 2])).AsSpan((int)long.Parse(range[1], CultureInfo.InvariantCulture), int.Parse(range[0], CultureInfo.InvariantCulture));
        var pats = 0;
        for (var i = 0; i + 188 <= bytes.Length; i += 188)
        {
            pats += bytes[i] == 0x47 && (((bytes[i + 1] & 0x1F) << 8) | bytes[i + 2]) == 0 ? 1 : 0;
        }

        return pats;
    }

    public static List<double> Durations(string playlist) =>
        [.. playlist.Split('\n').Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
            .Select(l => double.Parse(l["#EXTINF:".Length..].TrimEnd(','), CultureInfo.InvariantCulture))];

    public static async Task<(double Duration, int VideoPackets)> ProbeAsync(string playlist)
    {
        var output = Path.GetTempFileName();
        try
        {
            var (code, error) = await Ffmpeg.RunAsync(
                $"-v error -allowed_extensions ALL -count_packets -select_streams v:0 -show_entries stream=nb_read_packets:format=duration -of default=noprint_wrappers=1 -o {output} {playlist}",
                "ffprobe");
            Assert.True(code == 0 && error.Length == 0, $"ffprobe {playlist}: {error}");
            // HLS inputs list the stream again under their program: the first value of each key is the stream's.
            var values = File.ReadAllLines(output).Select(l => l.Split('=')).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            return (double.Parse(values["duration"], CultureInfo.InvariantCulture), int.Parse(values["nb_read_packets"], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Width and height from a JPEG's start-of-frame marker.</summary>
    public static (int Width, int Height) JpegSize(byte[] jpeg)
    {
        Assert.True(jpeg.Length > 4 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, "a JPEG");
        var i = 2;
        while (i + 9 < jpeg.Length)
        {
            var marker = jpeg[i + 1];
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return ((jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]);
            }

            i += 2 + length;
        }

        throw new InvalidDataException("No SOF marker in the JPEG.");
    }
}
