using System.Buffers;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Scte35;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Packaging;

/// <summary>Ad-break markers: segments cut at the break's keyframes, EXT-X-DATERANGE in the window, SCTE-35 in TS.</summary>
public class LiveSegmenterAdBreakTests
{
    private static readonly DateTimeOffset Wall = new(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);

    // 33 ms frames, a keyframe every 30 frames (0, 990, 1980, 2970, ... ms), 4 s segments: without a break the
    // segments would be cut at 3960 ms, 7920 ms, ...
    private static List<MediaFrameData> Frames(int count) => new SyntheticStream(true, true, count, 33, 30, false, new Dictionary<int, int>()).Build();

    private static LiveSegmenter Segmenter(HlsContainerFormat format = HlsContainerFormat.MpegTs, int window = 3) => new(
        new LiveSegmenterOptions
        {
            Format = format,
            SegmentTarget = TimeSpan.FromSeconds(4),
            PartTarget = TimeSpan.FromSeconds(0.5),
            WindowSegments = window,
            SpliceInfoStream = true,
            DeltaUpdates = true,
        },
        SyntheticStream.VideoInfo,
        SyntheticStream.AudioInfo);

    private static void Write(LiveSegmenter segmenter, IEnumerable<MediaFrameData> frames)
    {
        foreach (var data in frames)
        {
            var frame = data.ToFrame();
            segmenter.Write(frame, Wall.AddMilliseconds(data.Timestamp));
            frame.Release();
        }
    }

    [Fact]
    public void TheBreakCutsSegmentsAtItsKeyframesAndIsMarkedByDateRanges()
    {
        using var segmenter = Segmenter(window: 10);
        var frames = Frames(300);
        segmenter.MarkAdBreak(new AdBreakMarker("break0000001", 1980, TimeSpan.FromSeconds(2), 1) { End = 3960 });
        Write(segmenter, frames);

        var playlist = segmenter.Snapshot.Playlist;
        var starts = StartTimes(playlist);
        Assert.Contains(1.98, starts); // cut at the break's keyframe although the segment target is 4 s
        Assert.Contains(3.96, starts);

        var ranges = playlist.DateRanges;
        Assert.Equal(2, ranges.Count);
        var (outTag, inTag) = (ranges[0], ranges[1]);
        var startSegment = playlist.Segments[(int)(outTag.MediaSequence - playlist.MediaSequence)];
        Assert.Equal(startSegment.ProgramDateTime, outTag.StartDate); // START-DATE lines up with the segment's PDT
        Assert.Equal(Wall.AddMilliseconds(1980), outTag.StartDate);
        Assert.Equal(AdBreakMarker.DefaultClass, outTag.Class);
        Assert.Equal(2.0, outTag.PlannedDuration);
        Assert.Null(outTag.Duration);
        Assert.True(SpliceInfoSection.TryRead(outTag.Scte35Out.Span, out var spliceOut, out _));
        Assert.Equal(new SpliceInsert(1, true, 1980 * 90, 2 * 90_000, AutoReturn: true), spliceOut);

        Assert.Equal("break0000001", inTag.Id);
        Assert.Equal(outTag.StartDate, inTag.StartDate); // same ID, same attribute values
        Assert.Equal(1.98, inTag.Duration);
        var endSegment = playlist.Segments[(int)(inTag.MediaSequence - playlist.MediaSequence)];
        Assert.Equal(Wall.AddMilliseconds(3960), endSegment.ProgramDateTime);
        Assert.True(SpliceInfoSection.TryRead(inTag.Scte35In.Span, out var spliceIn, out _));
        Assert.Equal(new SpliceInsert(1, false, 3960 * 90), spliceIn);

        // The rendered playlist: the tags sit right before their segments.
        var text = SegmenterOutput.Render(playlist);
        Assert.Contains("#EXT-X-PROGRAM-DATE-TIME:2026-12-05T01:00:01.980Z\n#EXT-X-DATERANGE:ID=\"break0000001\",CLASS=\"com.openivs.ad-break\",START-DATE=\"2026-12-05T01:00:01.980Z\",PLANNED-DURATION=2.000,SCTE35-OUT=0x", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-PROGRAM-DATE-TIME:2026-12-05T01:00:03.960Z\n#EXT-X-DATERANGE:ID=\"break0000001\",CLASS=\"com.openivs.ad-break\",START-DATE=\"2026-12-05T01:00:01.980Z\",DURATION=1.980,PLANNED-DURATION=2.000,SCTE35-IN=0x", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TsPartsCarryTheSpliceInsertOnTheScte35PidAnnouncedInThePmt()
    {
        using var segmenter = Segmenter(window: 10);
        segmenter.MarkAdBreak(new AdBreakMarker("break0000002", 1980, TimeSpan.FromSeconds(2), 9) { End = 3960 });
        Write(segmenter, Frames(300)); // the segment that starts at 3960 ms is complete at 7920 ms

        var snapshot = segmenter.Snapshot;
        var sections = new List<(long MediaSequence, SpliceInsert Command)>();
        foreach (var uri in snapshot.Playlist.Segments.Select(s => s.Uri).OfType<string>())
        {
            var msn = long.Parse(uri.AsSpan(3, uri.Length - 6), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(snapshot.TryAcquireSegment(msn, out var lease));
            using (lease)
            {
                var bytes = lease.Data.ToArray();
                for (var offset = 0; offset < bytes.Length; offset += TsPacket.Size)
                {
                    var packet = bytes.AsSpan(offset, TsPacket.Size);
                    var pid = ((packet[1] & 0x1F) << 8) | packet[2];
                    if (pid == TsPid.ProgramMap && offset == TsPacket.Size)
                    {
                        byte[] scte35Stream = [0x86, 0xE1, 0xF4, 0xF0, 6, 0x05, 4, .. "CUEI"u8];
                        Assert.True(packet.IndexOf(scte35Stream) > 0, "PMT announces SCTE-35 on PID 0x1F4");
                    }

                    if (pid == TsPid.Scte35)
                    {
                        Assert.Equal(0x40, packet[1] & 0x40); // payload_unit_start_indicator
                        Assert.Equal(0, packet[4]); // pointer_field
                        Assert.True(SpliceInfoSection.TryRead(packet[5..], out var command, out _));
                        sections.Add((msn, command));
                    }
                }
            }
        }

        Assert.Equal(2, sections.Count);
        var ranges = snapshot.Playlist.DateRanges;
        Assert.Equal((ranges[0].MediaSequence, new SpliceInsert(9, true, 1980 * 90, 180_000, true)), sections[0]);
        Assert.Equal((ranges[1].MediaSequence, new SpliceInsert(9, false, 3960 * 90)), sections[1]);

        // The playlist's hex is the very section in the stream.
        var written = new byte[SpliceInfoSection.MaxSize];
        var size = SpliceInfoSection.Write(written, sections[0].Command);
        Assert.Equal(written[..size], ranges[0].Scte35Out.ToArray());
    }

    [Fact]
    public void TheTagsLeaveWithTheLastSegmentOfTheBreak()
    {
        using var segmenter = Segmenter(window: 3);
        segmenter.MarkAdBreak(new AdBreakMarker("break0000003", 990, TimeSpan.FromSeconds(1), 2) { End = 1980 });
        var frames = Frames(900); // about 30 s: the break's segments slide out of the 3-segment window
        var seenWhileInWindow = false;
        foreach (var data in frames)
        {
            var frame = data.ToFrame();
            segmenter.Write(frame, Wall.AddMilliseconds(data.Timestamp));
            frame.Release();
            var playlist = segmenter.Snapshot.Playlist;
            var first = playlist.MediaSequence;
            if (playlist.DateRanges.Count > 0)
            {
                seenWhileInWindow = true;
                Assert.All(playlist.DateRanges, r => Assert.True(r.MediaSequence >= first || r.Scte35Out.Length > 0, "only the start tag may outlive its segment (while the break's segments remain)"));
            }
        }

        Assert.True(seenWhileInWindow);
        Assert.Empty(segmenter.Snapshot.Playlist.DateRanges);
    }

    [Fact]
    public void ABreakStillRunningEndsWithTheStreamAndAPostRollFollowsTheLastSegment()
    {
        using var segmenter = Segmenter(HlsContainerFormat.Fmp4, window: 10);
        segmenter.MarkAdBreak(new AdBreakMarker("break0000004", 1980, TimeSpan.FromSeconds(30), 3));
        Write(segmenter, Frames(150)); // 4.95 s
        segmenter.MarkAdBreak(new AdBreakMarker("postroll0001", 0, TimeSpan.FromSeconds(15), 4) { PostRoll = true });
        segmenter.Complete();

        var playlist = segmenter.Snapshot.Playlist;
        var last = playlist.Segments[^1];
        var streamEnd = last.ProgramDateTime!.Value.AddSeconds(last.Duration);
        var ended = Assert.Single(playlist.DateRanges, r => r.Id == "break0000004" && r.Scte35In.Length > 0);
        Assert.Equal((streamEnd - ended.StartDate).TotalSeconds, ended.Duration!.Value, 3);
        var postRoll = Assert.Single(playlist.DateRanges, r => r.Id == "postroll0001");
        Assert.Equal(streamEnd, postRoll.StartDate);
        Assert.Equal(15.0, postRoll.PlannedDuration);
        Assert.True(SpliceInfoSection.TryRead(postRoll.Scte35Out.Span, out var command, out _));
        Assert.True(command.OutOfNetwork);

        var text = SegmenterOutput.Render(playlist);
        Assert.Matches("\n#EXT-X-DATERANGE:ID=\"postroll0001\",[^\n]*\n#EXT-X-ENDLIST\n$", text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SplicesDueWhenTheStreamEndsAfterAPartClosedOnItsLastFrameFollowThatPartInTheSegment(bool spilled)
    {
        var directory = spilled ? Directory.CreateTempSubdirectory("openivs-tail-").FullName : null;
        try
        {
            using var segmenter = new LiveSegmenter(
                new LiveSegmenterOptions
                {
                    Format = HlsContainerFormat.MpegTs,
                    SegmentTarget = TimeSpan.FromSeconds(4),
                    PartTarget = TimeSpan.FromSeconds(0.5),
                    WindowSegments = 10,
                    SpliceInfoStream = true,
                    ClosePartsOnLastFrame = true,
                    SpillDirectory = directory,
                    MemorySegments = 0,
                },
                SyntheticStream.VideoInfo,
                SyntheticStream.AudioInfo);
            segmenter.MarkAdBreak(new AdBreakMarker("break0000007", 1980, TimeSpan.FromSeconds(30), 7));

            // Stop right after a video frame that closed its part on itself (the parts listed reach its end): nothing is
            // left for the end of the stream to flush.
            var closedOnLastFrame = false;
            foreach (var data in Frames(150))
            {
                Write(segmenter, [data]);
                if (data.Kind == MediaKind.Video && data.Timestamp > 3000
                    && Math.Abs(ListedSeconds(segmenter.Snapshot) - ((data.Timestamp + 33) / 1000.0)) < 0.0005)
                {
                    closedOnLastFrame = true;
                    break;
                }
            }

            Assert.True(closedOnLastFrame);
            segmenter.MarkAdBreak(new AdBreakMarker("postroll0002", 0, TimeSpan.FromSeconds(15), 8) { PostRoll = true });
            segmenter.Complete();

            var snapshot = segmenter.Snapshot;
            var last = snapshot.Segments[^1];
            Assert.True(last.HasTail);
            Assert.Equal(last.PartCount, snapshot.Playlist.Segments[^1].Parts.Count); // the tail is in no EXT-X-PART
            if (spilled)
            {
                Assert.True(SpinWait.SpinUntil(() => last.IsSpilled, TimeSpan.FromSeconds(30)));
            }

            var parts = new List<byte>();
            for (var i = 0; i < last.PartCount; i++)
            {
                Assert.True(snapshot.TryAcquirePart(last.GetPart(i).Sequence, out var part));
                using (part)
                {
                    parts.AddRange(part.Data.ToArray());
                }
            }

            Assert.True(snapshot.TryAcquireSegment(last.MediaSequence, out var whole));
            byte[] segment;
            using (whole)
            {
                segment = whole.Data.ToArray();
            }

            Assert.Equal(last.Length, segment.Length);
            Assert.Equal(parts, segment[..parts.Count]);
            Assert.True(last.TryLeaseTail(out var tailLease));
            using (tailLease)
            {
                Assert.Equal(segment[parts.Count..], tailLease.Data.ToArray());
            }

            // The parts have the break's start; the tail its end and the post-roll, as the playlist's tags say.
            Assert.Equal([(7u, true)], Splices(segment[..parts.Count]).Select(c => (c.EventId, c.OutOfNetwork)));
            var tail = Splices(segment[parts.Count..]);
            Assert.Equal([(7u, false), (8u, true)], tail.Select(c => (c.EventId, c.OutOfNetwork)));
            var ranges = snapshot.Playlist.DateRanges;
            Assert.True(SpliceInfoSection.TryRead(ranges.Single(r => r.Id == "postroll0002").Scte35Out.Span, out var postRoll, out _));
            Assert.Equal(postRoll, tail[1]);
        }
        finally
        {
            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static double ListedSeconds(HlsStreamSnapshot snapshot)
    {
        var seconds = 0.0;
        foreach (var segment in snapshot.Segments)
        {
            for (var i = 0; i < segment.PartCount; i++)
            {
                seconds += segment.GetPart(i).Duration;
            }
        }

        return seconds;
    }

    private static List<SpliceInsert> Splices(byte[] ts)
    {
        var found = new List<SpliceInsert>();
        for (var offset = 0; offset + TsPacket.Size <= ts.Length; offset += TsPacket.Size)
        {
            var packet = ts.AsSpan(offset, TsPacket.Size);
            if ((((packet[1] & 0x1F) << 8) | packet[2]) == TsPid.Scte35 && SpliceInfoSection.TryRead(packet[5..], out var command, out _))
            {
                found.Add(command);
            }
        }

        return found;
    }

    [Fact]
    public void ABreakMarkedAfterItsStartIsPlacedAtTheNextSegment()
    {
        // A transcoded rendition can start after the break did: the break goes on its first segment.
        using var segmenter = Segmenter(window: 10);
        var frames = Frames(200);
        Write(segmenter, frames.Where(f => f.Timestamp < 2500));
        segmenter.MarkAdBreak(new AdBreakMarker("break0000005", 1980, TimeSpan.FromSeconds(1), 5));
        Write(segmenter, frames.Where(f => f.Timestamp >= 2500));
        var range = Assert.Single(segmenter.Snapshot.Playlist.DateRanges);
        Assert.Equal(Wall.AddMilliseconds(2970), range.StartDate);
    }

    [Fact]
    public void SpliceTimesArePresentationTimesOfTheKeyframe()
    {
        // With B-frames the keyframe is presented two frames after it is decoded: the splice happens at its PTS.
        using var segmenter = Segmenter(window: 10);
        segmenter.MarkAdBreak(new AdBreakMarker("break0000006", 1980, TimeSpan.FromSeconds(1), 6) { End = 2970 });
        Write(segmenter, new SyntheticStream(true, true, 200, 33, 30, true, new Dictionary<int, int>()).Build());
        var ranges = segmenter.Snapshot.Playlist.DateRanges;
        Assert.True(SpliceInfoSection.TryRead(ranges[0].Scte35Out.Span, out var spliceOut, out _));
        Assert.True(SpliceInfoSection.TryRead(ranges[1].Scte35In.Span, out var spliceIn, out _));
        Assert.Equal((1980 + 66) * 90, spliceOut.PtsTime);
        Assert.Equal((2970 + 66) * 90, spliceIn.PtsTime);
        Assert.Equal(Wall.AddMilliseconds(1980), ranges[0].StartDate);
    }

    private static List<double> StartTimes(MediaPlaylist playlist) =>
        [.. playlist.Segments.Select(s => Math.Round((s.ProgramDateTime!.Value - Wall).TotalSeconds, 3))];
}
