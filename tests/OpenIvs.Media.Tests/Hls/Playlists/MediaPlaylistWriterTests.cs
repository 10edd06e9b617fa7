using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Playlists;

public class MediaPlaylistWriterTests
{
    private static readonly MapTag Init = new("init0.mp4");

    [Fact]
    public void WritesALowLatencyPlaylist()
    {
        var playlist = LivePlaylist(segmentCount: 2);
        var text = SegmenterOutput.Render(playlist, reports: [new RenditionReport("../480p30/playlist.m3u8", 11, 1)]);
        const string expected = """
            #EXTM3U
            #EXT-X-VERSION:6
            #EXT-X-TARGETDURATION:2
            #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,HOLD-BACK=6.000,PART-HOLD-BACK=1.000
            #EXT-X-PART-INF:PART-TARGET=0.33334
            #EXT-X-MEDIA-SEQUENCE:10
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init0.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:20.000Z
            #EXT-X-PART:DURATION=0.33334,URI="part60.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.33333,URI="part61.m4s"
            #EXTINF:2.000,
            seg10.m4s
            #EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:22.000Z
            #EXT-X-PART:DURATION=0.33334,URI="part62.m4s",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.33333,URI="part63.m4s"
            #EXTINF:2.000,
            seg11.m4s
            #EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:24.000Z
            #EXT-X-PART:DURATION=0.33334,URI="part64.m4s",INDEPENDENT=YES
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI="part65.m4s"
            #EXT-X-RENDITION-REPORT:URI="../480p30/playlist.m3u8",LAST-MSN=11,LAST-PART=1

            """;
        Assert.Equal(expected.Replace("\r\n", "\n"), text);
    }

    [Fact]
    public void DeltaUpdateSkipsSegmentsBeforeTheSkipBoundary()
    {
        // 10 complete 2 s segments plus a 0.333 s part: 20.333 s. CAN-SKIP-UNTIL 12 s puts the Skip Boundary at
        // 8.333 s, so the four segments that end by then are skipped.
        var playlist = LivePlaylist(segmentCount: 10);
        Assert.Equal(4, MediaPlaylistWriter.CountSkippable(playlist));
        var text = SegmenterOutput.Render(playlist, deltaUpdate: true);
        Assert.Contains("#EXT-X-VERSION:9\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXT-X-MAP:URI=\"init0.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2024-05-01T12:00:28.000Z\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("seg13.m4s", text, StringComparison.Ordinal);
        Assert.Contains("seg14.m4s", text, StringComparison.Ordinal);

        // Without _HLS_skip the full playlist is written.
        Assert.DoesNotContain("EXT-X-SKIP", SegmenterOutput.Render(playlist), StringComparison.Ordinal);
    }

    [Fact]
    public void PartsOlderThanThreeTargetDurationsAreLeftOut()
    {
        var text = SegmenterOutput.Render(LivePlaylist(segmentCount: 10));
        Assert.DoesNotContain("part75.m4s", text, StringComparison.Ordinal); // seg17 starts 6.33 s before the end
        Assert.Contains("part76.m4s", text, StringComparison.Ordinal); // seg18 starts 4.33 s before the end
        Assert.Contains("seg17.m4s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EndListDropsPreloadHintsAndDiscontinuitiesAreMarked()
    {
        var playlist = new MediaPlaylist
        {
            TargetDuration = 6,
            MediaSequence = 3,
            DiscontinuitySequence = 2,
            Segments =
            [
                new MediaSegment { Uri = "a.ts", Duration = 5.005 },
                new MediaSegment { Uri = "b.ts", Duration = 4.5, Discontinuity = true, ByteRange = new ByteRange(1000, 0) },
            ],
            PreloadHints = [new PreloadHint(PreloadHintType.Part, "next.ts")],
            EndList = true,
        };
        const string expected = """
            #EXTM3U
            #EXT-X-VERSION:4
            #EXT-X-TARGETDURATION:6
            #EXT-X-MEDIA-SEQUENCE:3
            #EXT-X-DISCONTINUITY-SEQUENCE:2
            #EXTINF:5.005,
            a.ts
            #EXT-X-DISCONTINUITY
            #EXT-X-BYTERANGE:1000@0
            #EXTINF:4.500,
            b.ts
            #EXT-X-ENDLIST

            """;
        Assert.Equal(expected.Replace("\r\n", "\n"), SegmenterOutput.Render(playlist));
    }

    [Fact]
    public void QuotedStringsCannotContainQuotes()
    {
        var playlist = new MediaPlaylist { TargetDuration = 1, PreloadHints = [new PreloadHint(PreloadHintType.Part, "a\"b")] };
        Assert.Throws<ArgumentException>(() => SegmenterOutput.Render(playlist));
    }

    private static MediaPlaylist LivePlaylist(int segmentCount)
    {
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 20, TimeSpan.Zero);
        var segments = new List<MediaSegment>();
        for (var i = 0; i < segmentCount; i++)
        {
            var msn = 10 + i;
            segments.Add(new MediaSegment
            {
                Uri = $"seg{msn}.m4s",
                Duration = 2,
                ProgramDateTime = start.AddSeconds(2 * i),
                Map = Init,
                Parts =
                [
                    new PartialSegment($"part{60 + (2 * i)}.m4s", 0.333336, Independent: true),
                    new PartialSegment($"part{61 + (2 * i)}.m4s", 0.333333),
                ],
            });
        }

        var next = 60 + (2 * segmentCount);
        segments.Add(new MediaSegment
        {
            ProgramDateTime = start.AddSeconds(2 * segmentCount),
            Map = Init,
            Parts = [new PartialSegment($"part{next}.m4s", 0.333336, Independent: true)],
        });

        return new MediaPlaylist
        {
            Version = 6,
            TargetDuration = 2,
            MediaSequence = 10,
            IndependentSegments = true,
            PartTarget = 0.333336,
            ServerControl = new ServerControl(CanBlockReload: true, PartHoldBack: 1.0, HoldBack: 6, CanSkipUntil: 12),
            Segments = segments,
            PreloadHints = [new PreloadHint(PreloadHintType.Part, $"part{next + 1}.m4s")],
        };
    }
}
