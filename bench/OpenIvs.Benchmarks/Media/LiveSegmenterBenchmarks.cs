using BenchmarkDotNet.Attributes;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Benchmarks.Media;

/// <summary>
/// Packages one second of 2.5 Mbps 720p30 H.264 (a 60 KB IDR then 29 P-frames of about 8.7 KB) plus 48 kHz
/// AAC (47 frames of 340 bytes) into LL-HLS parts of 0.333 s, as fMP4 and as TS. Each invocation runs a
/// fresh segmenter over the same pre-built frames, so the numbers include per-stream setup (init segment,
/// snapshot) besides the per-part work; part buffers come from the shared pool and go back on Dispose.
/// </summary>
[MemoryDiagnoser]
public class LiveSegmenterBenchmarks
{
    private static readonly byte[] AvcC = [1, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0x00, 0x1F, 1, 0, 4, 0x68, 0xEE, 0x3C, 0x80];
    private static readonly VideoTrackInfo Video = new(VideoCodec.Avc, "avc1.64001F", "High", "3.1", 1280, 720, 30, AvcC);
    private static readonly AudioTrackInfo Audio = new("mp4a.40.2", 2, 48000, 2, [0x11, 0x90]);

    private readonly List<MediaFrame> _frames = [];
    private LiveSegmenterOptions _options = null!;

    [Params(HlsContainerFormat.Fmp4, HlsContainerFormat.MpegTs)]
    public HlsContainerFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _options = new LiveSegmenterOptions
        {
            Format = Format,
            SegmentTarget = TimeSpan.FromSeconds(2),
            PartTarget = TimeSpan.FromSeconds(0.333),
        };

        var random = new Random(42);
        var audioFrame = 0;
        for (var i = 0; i <= 30; i++)
        {
            long time = i * 1000 / 30;
            while (audioFrame * 1024 * 1000 / 48000 <= time && audioFrame < 47)
            {
                _frames.Add(Frame(MediaKind.Audio, 340, audioFrame * 1024 * 1000 / 48000, false, random));
                audioFrame++;
            }

            // Frame 30 is the next second's IDR: it closes the last part, as live input would.
            _frames.Add(Frame(MediaKind.Video, i % 30 == 0 ? 60_000 : 8_700, time, i % 30 == 0, random));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var frame in _frames)
        {
            frame.Release();
        }
    }

    [Benchmark]
    public long PackageOneSecond()
    {
        using var segmenter = new LiveSegmenter(_options, Video, Audio);
        foreach (var frame in _frames)
        {
            segmenter.Write(frame);
        }

        return segmenter.Snapshot.Segments[0].Length;
    }

    private static MediaFrame Frame(MediaKind kind, int size, long time, bool key, Random random)
    {
        var payload = new byte[size];
        random.NextBytes(payload);
        if (kind == MediaKind.Video)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, size - 4);
            payload[4] = key ? (byte)0x65 : (byte)0x41;
        }

        return MediaFrame.Create(kind, payload, time, 0, key || kind == MediaKind.Audio);
    }
}
