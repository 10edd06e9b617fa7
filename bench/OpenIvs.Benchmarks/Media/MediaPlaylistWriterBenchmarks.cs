using System.Buffers;
using BenchmarkDotNet.Attributes;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Benchmarks.Media;

/// <summary>
/// Writes a typical LL-HLS media playlist (10 two-second segments of six 0.333 s parts, PDT on each,
/// preload hint, server control) into a reused buffer, as the origin does for each playlist request; and the same
/// playlist during an ad break (two EXT-X-DATERANGE tags with SCTE35-OUT and SCTE35-IN).
/// </summary>
[MemoryDiagnoser]
public class MediaPlaylistWriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(16 * 1024);
    private MediaPlaylist _playlist = null!;
    private MediaPlaylist _withAdBreak = null!;

    [GlobalSetup]
    public void Setup()
    {
        var map = new MapTag("init0.mp4");
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var segments = new List<MediaSegment>();
        var part = 600L;
        for (var i = 0; i < 11; i++)
        {
            var parts = new List<PartialSegment>();
            for (var p = 0; p < (i < 10 ? 6 : 2); p++)
            {
                parts.Add(new PartialSegment($"part{part++}.m4s", 0.33333, Independent: p == 0));
            }

            segments.Add(new MediaSegment
            {
                Uri = i < 10 ? $"seg{100 + i}.m4s" : null,
                Duration = 2.0,
                ProgramDateTime = start.AddSeconds(2 * i),
                Map = map,
                Parts = parts,
            });
        }

        _playlist = new MediaPlaylist
        {
            Version = 6,
            TargetDuration = 2,
            MediaSequence = 100,
            IndependentSegments = true,
            PartTarget = 0.333,
            ServerControl = new ServerControl(CanBlockReload: true, PartHoldBack: 1.0, HoldBack: 6, CanSkipUntil: 12),
            Segments = segments,
            PreloadHints = [new PreloadHint(PreloadHintType.Part, $"part{part}.m4s")],
        };
        var adBreak = new DateRange
        {
            Id = "abcdefABCDEF",
            Class = "com.openivs.ad-break",
            StartDate = start.AddSeconds(4),
            PlannedDuration = 4,
            Scte35Out = new byte[40],
            MediaSequence = 102,
        };
        _withAdBreak = _playlist with
        {
            DateRanges = [adBreak, adBreak with { Duration = 4, Scte35Out = ReadOnlyMemory<byte>.Empty, Scte35In = new byte[30], MediaSequence = 104 }],
        };
    }

    [Benchmark(Baseline = true)]
    public int FullPlaylist()
    {
        _output.ResetWrittenCount();
        MediaPlaylistWriter.Write(_output, _playlist);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int DeltaUpdate()
    {
        _output.ResetWrittenCount();
        MediaPlaylistWriter.Write(_output, _playlist, deltaUpdate: true);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int FullPlaylistWithAdBreak()
    {
        _output.ResetWrittenCount();
        MediaPlaylistWriter.Write(_output, _withAdBreak);
        return _output.WrittenCount;
    }
}
