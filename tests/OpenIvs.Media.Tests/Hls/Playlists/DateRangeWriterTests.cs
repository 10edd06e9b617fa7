using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Playlists;

public class DateRangeWriterTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero);

    private static MediaPlaylist Playlist(IReadOnlyList<DateRange> ranges, bool ended = false) => new()
    {
        TargetDuration = 2,
        MediaSequence = 10,
        ServerControl = new ServerControl(CanBlockReload: true, HoldBack: 6, CanSkipUntil: 12),
        Segments = [.. Enumerable.Range(0, 10).Select(i => new MediaSegment
        {
            Uri = $"seg{10 + i}.ts",
            Duration = 2,
            ProgramDateTime = Start.AddSeconds(2 * (i - 4)),
        })],
        DateRanges = ranges,
        EndList = ended,
    };

    private static DateRange Out(long msn) => new()
    {
        Id = "abcdefABCDEF",
        Class = "com.openivs.ad-break",
        StartDate = Start,
        PlannedDuration = 30,
        Scte35Out = new byte[] { 0xFC, 0x30, 0x0A },
        MediaSequence = msn,
    };

    [Fact]
    public void ADateRangeIsWrittenBeforeItsSegmentWithEveryAttribute()
    {
        var text = SegmenterOutput.Render(Playlist([Out(14)]));
        var lines = text.Split('\n');
        var tag = Array.FindIndex(lines, l => l.StartsWith("#EXT-X-DATERANGE", StringComparison.Ordinal));
        Assert.Equal(
            "#EXT-X-DATERANGE:ID=\"abcdefABCDEF\",CLASS=\"com.openivs.ad-break\",START-DATE=\"2026-12-05T01:02:03.456Z\",PLANNED-DURATION=30.000,SCTE35-OUT=0xFC300A",
            lines[tag]);
        Assert.Equal("#EXT-X-PROGRAM-DATE-TIME:2026-12-05T01:02:03.456Z", lines[tag - 1]); // the segment it starts with
        Assert.Equal("seg14.ts", lines[tag + 2]);
    }

    [Fact]
    public void TheEndTagCarriesDurationAndScte35In()
    {
        var end = Out(14) with { Duration = 29.97, Scte35Out = ReadOnlyMemory<byte>.Empty, Scte35In = new byte[] { 0x01, 0xAB }, MediaSequence = 18 };
        var lines = SegmenterOutput.Render(Playlist([Out(14), end])).Split('\n');
        var tag = Array.IndexOf(lines, "#EXT-X-DATERANGE:ID=\"abcdefABCDEF\",CLASS=\"com.openivs.ad-break\",START-DATE=\"2026-12-05T01:02:03.456Z\",DURATION=29.970,PLANNED-DURATION=30.000,SCTE35-IN=0x01AB");
        Assert.True(tag > 0);
        Assert.Equal("seg18.ts", lines[tag + 2]);
    }

    [Fact]
    public void ADeltaUpdateKeepsTheDateRangesOfSkippedSegments()
    {
        var playlist = Playlist([Out(11)]);
        var delta = SegmenterOutput.Render(playlist, deltaUpdate: true);
        Assert.Contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=", delta, StringComparison.Ordinal);
        var skipped = MediaPlaylistWriter.CountSkippable(playlist);
        Assert.True(skipped > 1, "the range's segment must be among the skipped ones");

        // §6.2.5.1: without CAN-SKIP-DATERANGES every EXT-X-DATERANGE stays; it comes before the first listed segment.
        var lines = delta.Split('\n');
        var tag = Array.FindIndex(lines, l => l.StartsWith("#EXT-X-DATERANGE:ID=\"abcdefABCDEF\"", StringComparison.Ordinal));
        Assert.True(tag > 0, delta);
        var nextUri = lines.Skip(tag).First(l => l.StartsWith("seg", StringComparison.Ordinal));
        Assert.Equal($"seg{10 + skipped}.ts", nextUri);
        Assert.DoesNotContain("RECENTLY-REMOVED-DATERANGES", delta, StringComparison.Ordinal);
    }

    [Fact]
    public void ARangeAfterTheLastSegmentComesBeforeEndList()
    {
        var text = SegmenterOutput.Render(Playlist([Out(20)], ended: true));
        Assert.EndsWith("seg19.ts\n#EXT-X-DATERANGE:ID=\"abcdefABCDEF\",CLASS=\"com.openivs.ad-break\",START-DATE=\"2026-12-05T01:02:03.456Z\",PLANNED-DURATION=30.000,SCTE35-OUT=0xFC300A\n#EXT-X-ENDLIST\n", text, StringComparison.Ordinal);
    }
}
