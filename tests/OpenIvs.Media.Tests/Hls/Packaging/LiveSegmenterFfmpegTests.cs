using System.Globalization;
using System.Text;
using OpenIvs.Media.Fmp4;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Packaging;

/// <summary>
/// Packages real x264/AAC encoder output and checks the result with ffprobe and ffmpeg. The tools must be
/// installed; a missing tool fails these tests.
/// </summary>
public sealed class LiveSegmenterFfmpegTests : IDisposable
{
    private static readonly string ClipPath = Path.Combine(AppContext.BaseDirectory, "TestData", "clip-h264-aac.mp4");
    private static readonly DateTimeOffset WallClockStart = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "openivs-media-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        // Set OPENIVS_KEEP_MEDIA_OUTPUT=1 to inspect the written files.
        if (Directory.Exists(_directory) && Environment.GetEnvironmentVariable("OPENIVS_KEEP_MEDIA_OUTPUT") != "1")
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(HlsContainerFormat.Fmp4)]
    [InlineData(HlsContainerFormat.MpegTs)]
    public async Task PackagedStreamProbesAndDecodesLikeTheInput(HlsContainerFormat format)
    {
        var clip = Mp4SampleReader.Open(ClipPath);
        var snapshot = Package(clip, format, out var dropped);
        Assert.Equal(0, dropped);
        Assert.True(snapshot.IsEnded);
        SegmenterOutput.WriteAll(_directory, snapshot, format);
        var all = Path.Combine(_directory, format == HlsContainerFormat.Fmp4 ? "all.mp4" : "all.ts");
        var playlist = Path.Combine(_directory, "playlist.m3u8");

        // Codecs and resolution, read through the HLS demuxer.
        var streams = await ProbeAsync("-show_entries", "stream=codec_type,codec_name,width,height,profile", "-of", "csv=p=0", playlist);
        Assert.Contains("h264,High,video,640,360", streams.Replace("\r", string.Empty), StringComparison.Ordinal);
        Assert.Contains("aac,LC,audio", streams, StringComparison.Ordinal);

        // Every input frame is there, in decode order, with monotonic time stamps.
        var packets = (await ProbeAsync("-show_entries", "packet=codec_type,pts,dts,flags", "-of", "csv=p=0", all))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .ToList();
        var video = packets.Where(p => p[0] == "video").ToList();
        var audio = packets.Where(p => p[0] == "audio").ToList();
        Assert.Equal(clip.VideoFrameCount, video.Count);
        // The stream ends with its last video frame: audio that starts after it is not packaged.
        var lastVideo = clip.Frames.Last(f => f.Kind == MediaKind.Video).Timestamp;
        Assert.Equal(clip.Frames.Count(f => f.Kind == MediaKind.Audio && f.Timestamp < lastVideo + 33), audio.Count);
        AssertStrictlyIncreasing(video.Select(p => long.Parse(p[2], CultureInfo.InvariantCulture)));
        AssertStrictlyIncreasing(audio.Select(p => long.Parse(p[1], CultureInfo.InvariantCulture)));
        Assert.Contains(video, p => p[1] != p[2]); // reordered frames keep their composition offsets
        Assert.Equal(clip.Frames.Count(f => f.Kind == MediaKind.Video && f.IsKeyframe), video.Count(p => p[3].StartsWith('K')));

        // B-frames are preserved: the same picture types as the encoder's output.
        var inputTypes = await ProbeAsync("-select_streams", "v", "-show_entries", "frame=pict_type", "-of", "csv=p=0", ClipPath);
        var outputTypes = await ProbeAsync("-select_streams", "v", "-show_entries", "frame=pict_type", "-of", "csv=p=0", all);
        Assert.True(inputTypes.Count(c => c == 'B') > 10);
        Assert.Equal(inputTypes.Count(c => c == 'B'), outputTypes.Count(c => c == 'B'));

        // Whole segments and parts on their own both decode without a single error.
        await AssertDecodesCleanlyAsync(playlist);
        await AssertDecodesCleanlyAsync(Path.Combine(_directory, "parts.m3u8"));
        var decoded = await ProbeAsync("-count_frames", "-select_streams", "v", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", Path.Combine(_directory, "parts.m3u8"));
        Assert.All(decoded.Split('\n', StringSplitOptions.RemoveEmptyEntries), count => Assert.Equal(clip.VideoFrameCount, int.Parse(count, CultureInfo.InvariantCulture)));

        // Segments start on keyframes and every independent part too.
        foreach (var segment in snapshot.Segments)
        {
            Assert.True(segment.GetPart(0).IsIndependent);
        }
    }

    [Fact]
    public async Task TimedMetadataBecomesAnId3PesStreamInTs()
    {
        var clip = Mp4SampleReader.Open(ClipPath);
        var snapshot = Package(clip, HlsContainerFormat.MpegTs, out _);
        SegmenterOutput.WriteAll(_directory, snapshot, HlsContainerFormat.MpegTs);
        var all = Path.Combine(_directory, "all.ts");

        var streams = await ProbeAsync("-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", all);
        Assert.Contains("timed_id3,data", streams, StringComparison.Ordinal);
        var packets = (await ProbeAsync("-select_streams", "d", "-show_packets", "-show_data", "-of", "json", all));
        // the two cues, and every segment's ID3 timestamp tag (the IVS web player needs a sample in each segment)
        Assert.Equal(2 + snapshot.Segments.Length, CountOccurrences(packets, "\"codec_type\": \"data\""));
        Assert.Equal(snapshot.Segments.Length, CountOccurrences(packets, "PRIV"));
        Assert.Contains("\"pts\": 90000", packets, StringComparison.Ordinal);
        Assert.Contains("\"pts\": 225000", packets, StringComparison.Ordinal);
        Assert.Contains("TXXX", packets, StringComparison.Ordinal);
    }

    [Fact]
    public void TimedMetadataBecomesEmsgBoxesInFmp4Parts()
    {
        var clip = Mp4SampleReader.Open(ClipPath);
        var snapshot = Package(clip, HlsContainerFormat.Fmp4, out _);
        var found = new List<(ulong Time, string Scheme, string Payload)>();
        foreach (var segment in snapshot.Segments)
        {
            for (var i = 0; i < segment.PartCount; i++)
            {
                var bytes = segment.GetPart(i).Memory.ToArray();
                foreach (var box in Mp4SampleReader.Children(bytes, 0, bytes.Length, "emsg"))
                {
                    var body = box.Body + 4; // version 1 + flags
                    Assert.Equal(1, bytes[box.Body]);
                    Assert.Equal(90000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(body)));
                    var time = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(body + 4));
                    var scheme = bytes.AsSpan(body + 20);
                    var schemeEnd = scheme.IndexOf((byte)0);
                    var afterValue = body + 20 + schemeEnd + 1;
                    afterValue += bytes.AsSpan(afterValue).IndexOf((byte)0) + 1;
                    found.Add((time, Encoding.UTF8.GetString(scheme[..schemeEnd]), Encoding.UTF8.GetString(bytes, afterValue, box.End - afterValue)));
                }

                // emsg precedes moof (CMAF); nothing but emsg before it.
                var types = Mp4SampleReader.Children(bytes, 0, bytes.Length).Select(b => b.Type).ToList();
                Assert.Equal(["moof", "mdat"], types.SkipWhile(t => t == "emsg"));
            }
        }

        Assert.Equal(2, found.Count);
        Assert.All(found, e => Assert.Equal(Fmp4EventMessage.Id3SchemeIdUri, e.Scheme));
        Assert.Equal([90000ul, 225000ul], found.Select(e => e.Time));
        Assert.All(found, e => Assert.StartsWith("ID3", e.Payload, StringComparison.Ordinal));
        Assert.Contains("TXXX", found[0].Payload, StringComparison.Ordinal);
        Assert.EndsWith("metadata.live-video.net\0{\"score\":1}", found[0].Payload, StringComparison.Ordinal);
    }

    [Fact]
    public void PlaylistCarriesTheLowLatencyTags()
    {
        var clip = Mp4SampleReader.Open(ClipPath);
        var snapshot = Package(clip, HlsContainerFormat.Fmp4, out _);
        var text = SegmenterOutput.Render(snapshot.Playlist);
        Assert.StartsWith("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PART-INF:PART-TARGET=0.333\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MAP:URI=\"init0.mp4\"\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:00.000Z\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:02.000Z\n", text, StringComparison.Ordinal);
        Assert.Contains(",INDEPENDENT=YES\n", text, StringComparison.Ordinal);
        Assert.EndsWith("#EXT-X-ENDLIST\n", text, StringComparison.Ordinal);
        Assert.Equal(2, CountOccurrences(text, "#EXTINF:2.0"));
        Assert.Contains("#EXTINF:2.000,\nseg0.m4s\n", text, StringComparison.Ordinal);
    }

    private static HlsStreamSnapshot Package(Mp4SampleReader clip, HlsContainerFormat format, out long dropped)
    {
        var options = new LiveSegmenterOptions
        {
            Format = format,
            SegmentTarget = TimeSpan.FromSeconds(1),
            PartTarget = TimeSpan.FromSeconds(0.333),
            WindowSegments = 100,
        };
        var segmenter = new LiveSegmenter(options, clip.Video, clip.Audio);
        var metadata = new Queue<MediaFrameData>(
        [
            new MediaFrameData(MediaKind.Data, "{\"score\":1}"u8.ToArray(), 1000, 0, true),
            new MediaFrameData(MediaKind.Data, "{\"score\":2}"u8.ToArray(), 2500, 0, true),
        ]);
        foreach (var data in clip.Frames)
        {
            while (metadata.Count > 0 && metadata.Peek().Timestamp <= data.Timestamp)
            {
                WriteAndRelease(segmenter, metadata.Dequeue());
            }

            WriteAndRelease(segmenter, data);
        }

        segmenter.Complete();
        dropped = segmenter.DroppedFrames;
        return segmenter.Snapshot;
    }

    private static void WriteAndRelease(LiveSegmenter segmenter, MediaFrameData data)
    {
        var frame = data.ToFrame();
        segmenter.Write(frame, WallClockStart.AddMilliseconds(data.Timestamp));
        frame.Release();
    }

    private static async Task<string> ProbeAsync(params string[] arguments)
    {
        var (exit, stdout, stderr) = await ExternalTool.RunAsync("ffprobe", ["-v", "error", .. arguments]);
        Assert.True(exit == 0, $"ffprobe failed ({exit}): {stderr}");
        Assert.True(stderr.Length == 0, $"ffprobe reported: {stderr}");
        return stdout;
    }

    private static async Task AssertDecodesCleanlyAsync(string input)
    {
        var (exit, _, stderr) = await ExternalTool.RunAsync("ffmpeg", "-v", "error", "-nostdin", "-i", input, "-f", "null", "-");
        Assert.True(exit == 0, $"ffmpeg failed ({exit}): {stderr}");
        Assert.True(stderr.Length == 0, $"ffmpeg reported errors decoding {input}: {stderr}");
    }

    private static void AssertStrictlyIncreasing(IEnumerable<long> values)
    {
        long? previous = null;
        foreach (var value in values)
        {
            Assert.True(previous is null || value > previous, $"{value} after {previous}");
            previous = value;
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
