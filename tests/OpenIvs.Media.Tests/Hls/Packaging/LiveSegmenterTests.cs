using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Packaging;

public class LiveSegmenterTests
{
    private static LiveSegmenterOptions Options(HlsContainerFormat format = HlsContainerFormat.Fmp4, ArrayPool<byte>? pool = null) => new()
    {
        Format = format,
        SegmentTarget = TimeSpan.FromSeconds(1),
        PartTarget = TimeSpan.FromSeconds(0.5),
        WindowSegments = 3,
        BufferPool = pool ?? ArrayPool<byte>.Shared,
    };

    private static List<MediaFrameData> Frames(int count, bool audio = true) =>
        new SyntheticStream(true, audio, count, 33, 30, false, new Dictionary<int, int>()).Build();

    [Fact]
    public void HookFiresAfterPublishingAndThePreloadHintNamesTheNextPart()
    {
        using var segmenter = new LiveSegmenter(Options(), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        var seen = new List<HlsPartCompleted>();
        segmenter.PartCompleted += e =>
        {
            Assert.Same(e.Snapshot, segmenter.Snapshot);
            seen.Add(e);
        };
        Write(segmenter, Frames(100));

        var snapshot = segmenter.Snapshot;
        Assert.NotEmpty(seen);
        var hint = Assert.Single(snapshot.Playlist.PreloadHints);
        Assert.Equal(PreloadHintType.Part, hint.Type);
        Assert.Equal(snapshot.NextPartUri, hint.Uri);
        Assert.Equal($"part{seen[^1].PartSequence + 1}.m4s", hint.Uri);
        Assert.True(segmenter.UriScheme.TryParse(hint.Uri, out var kind, out var number));
        Assert.Equal((HlsResourceKind.Part, snapshot.NextPartSequence), (kind, number));
        Assert.Equal((seen[^1].MediaSequence, seen[^1].PartIndex), snapshot.LastPart);

        // 33 ms frames, 0.5 s parts: a 16th frame would end the part at 0.528 s, so 15 frames (0.495 s) per
        // part; the keyframe at 0.990 s (every 30 frames) closes the 1 s segment.
        Assert.Equal([0.495, 0.495], seen.Where(e => e.MediaSequence == 0).Select(e => Math.Round(e.Snapshot.Segments[0].GetPart(e.PartIndex).Duration, 3)));
        Assert.True(seen.Single(e => e.MediaSequence == 0 && e.PartIndex == 1).SegmentCompleted);
        Assert.False(seen.Single(e => e.MediaSequence == 0 && e.PartIndex == 0).SegmentCompleted);
    }

    [Fact]
    public void PartsAreCutTheHeadroomInsideTheAdvertisedPartTarget()
    {
        var options = Options();
        options.PartTarget = TimeSpan.FromSeconds(0.53);
        options.PartTargetHeadroom = TimeSpan.FromMilliseconds(30);
        using var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        Write(segmenter, Frames(100));

        // Without headroom a 16th 33 ms frame (0.528 s) would fit 0.53 s; cut 30 ms inside, parts keep 15 frames,
        // so a frame arriving up to 35 ms late still leaves the part within the advertised target.
        var snapshot = segmenter.Snapshot;
        Assert.Equal(0.53, snapshot.Playlist.PartTarget);
        Assert.Equal(0.495, Math.Round(snapshot.Segments[0].GetPart(0).Duration, 3));
    }

    [Fact]
    public void APartClosesOnTheFrameThatFillsItWhenAsked()
    {
        // 33 ms frames, 0.5 s parts, keyframes every 30 frames (0.99 s), 1 s segments; video only, to count frames.
        var frames = new SyntheticStream(true, false, 100, 33, 30, false, new Dictionary<int, int>()).Build();
        foreach (var early in new[] { false, true })
        {
            var options = Options();
            options.ClosePartsOnLastFrame = early;
            using var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, null);
            var seen = new List<HlsPartCompleted>();
            segmenter.PartCompleted += seen.Add;

            // The 15th frame (index 14) fills the first part (15 x 33 ms = 0.495 s; a 16th would pass 0.5 s): closed on
            // it when asked, else when the 16th arrives.
            Write(segmenter, frames.Take(15));
            Assert.Equal(early ? 1 : 0, seen.Count);
            Write(segmenter, frames.Skip(15).Take(1));
            Assert.Single(seen);
            Assert.Equal(0.495, Math.Round(segmenter.Snapshot.Segments[0].GetPart(0).Duration, 3));

            // The 30th frame fills the second part; the keyframe after it completes the segment either way.
            Write(segmenter, frames.Skip(16).Take(14));
            Assert.Equal(early ? 2 : 1, seen.Count);
            Assert.False(seen[^1].SegmentCompleted);
            Write(segmenter, frames.Skip(30).Take(1));
            Assert.True(seen[^1].SegmentCompleted);
            Assert.Equal((0L, 1), (seen[^1].MediaSequence, seen[^1].PartIndex)); // early: the same part, again
            var segment = segmenter.Snapshot.Segments[0];
            Assert.True(segment.IsComplete);
            Assert.Equal(0.99, Math.Round(segment.Duration, 3));
            Assert.Equal([0.495, 0.495], [Math.Round(segment.GetPart(0).Duration, 3), Math.Round(segment.GetPart(1).Duration, 3)]);
        }
    }

    [Fact]
    public void APartClosesOnTheLastFrameOfAKeyframeIntervalOnceTheIntervalIsKnown()
    {
        // Keyframes every 20 frames (0.66 s) in 2 s segments, 0.5 s parts: each interval is a 15-frame part and a 5-frame
        // one. From the second interval on (the first measures it), the 5-frame part closes on its last frame.
        var options = Options();
        options.SegmentTarget = TimeSpan.FromSeconds(2);
        options.ClosePartsOnLastFrame = true;
        using var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, null);
        var frames = new SyntheticStream(true, false, 100, 33, 20, false, new Dictionary<int, int>()).Build();
        Write(segmenter, frames.Take(40)); // through frame 39, the last before the third keyframe
        var parts = Enumerable.Range(0, segmenter.Snapshot.Segments[0].PartCount).Select(i => segmenter.Snapshot.Segments[0].GetPart(i)).ToList();
        Assert.Equal([0.495, 0.165, 0.495, 0.165], parts.Select(p => Math.Round(p.Duration, 3)));
        Assert.Equal([true, false, true, false], parts.Select(p => p.IsIndependent));
    }

    [Fact]
    public void BlockingRequestsAreSatisfiedByThePartOrAnythingLater()
    {
        using var segmenter = new LiveSegmenter(Options(), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        Write(segmenter, Frames(76)); // segments 0 and 1 complete; frame 75 closes segment 2's first part
        var snapshot = segmenter.Snapshot;
        Assert.Equal((2L, 0), snapshot.LastPart);
        Assert.True(snapshot.Satisfies(1, null));
        Assert.True(snapshot.Satisfies(1, 7)); // beyond segment 1's parts: answered by segment 2's first part
        Assert.True(snapshot.Satisfies(2, 0));
        Assert.False(snapshot.Satisfies(2, 1));
        Assert.False(snapshot.Satisfies(2, null));
        Assert.False(snapshot.Satisfies(3, 0));
        Assert.True(snapshot.TryAcquireSegment(1, out var lease));
        lease.Dispose();
        Assert.False(snapshot.TryAcquireSegment(2, out _)); // incomplete
    }

    [Fact]
    public void ASegmentInMemoryIsAViewOverItsPartsBuffersNotACopy()
    {
        var pool = new TrackingArrayPool();
        var segmenter = new LiveSegmenter(Options(pool: pool), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        Write(segmenter, Frames(40)); // segment 0 complete, in memory (no spill directory)
        var snapshot = segmenter.Snapshot;
        var segment = snapshot.Segments.ToArray().First(s => s.IsComplete);
        Assert.True(segment.PartCount > 1);
        var outstanding = pool.Outstanding;

        Assert.True(snapshot.TryAcquireSegment(0, out var whole));
        using (whole)
        {
            Assert.Equal(outstanding, pool.Outstanding); // a lease rents nothing
            var i = 0;
            foreach (var memory in whole.Data)
            {
                // each piece of the segment's sequence is the very memory of the part's lease
                Assert.True(snapshot.TryAcquirePart(segment.GetPart(i).Sequence, out var part));
                using (part)
                {
                    Assert.True(memory.Span.Overlaps(part.Data.First.Span, out var offset));
                    Assert.Equal(0, offset);
                    Assert.Equal(memory.Length, part.Data.First.Length);
                }

                i++;
            }

            Assert.Equal(segment.PartCount, i);
            Assert.Equal(segment.Length, whole.Data.Length);
        }

        segmenter.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Errors);
    }

    [Fact]
    public void AnEvictedSegmentStaysIntactWhileLeased()
    {
        var pool = new TrackingArrayPool();
        var segmenter = new LiveSegmenter(Options(pool: pool), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        Write(segmenter, Frames(40));
        Assert.True(segmenter.Snapshot.TryAcquireSegment(0, out var lease));
        var copy = lease.Data.ToArray();
        var returnedBefore = pool.Returned;

        Write(segmenter, Frames(400).Select(f => f with { Timestamp = f.Timestamp + 1320 }).ToList());
        Assert.False(segmenter.Snapshot.TryAcquireSegment(0, out _));
        Assert.Equal(3, segmenter.Snapshot.Segments.ToArray().Count(s => s.IsComplete));
        Assert.Equal(copy, lease.Data.ToArray());
        var stillOut = pool.Outstanding;

        lease.Dispose();
        Assert.True(pool.Outstanding < stillOut, "the last lease returns the evicted segment's buffers");
        Assert.True(pool.Returned > returnedBefore);
        segmenter.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Empty(pool.Errors);
    }

    [Fact]
    public void OlderSegmentsMoveToFilesAndAreReadBackByteForByte()
    {
        var directory = Directory.CreateTempSubdirectory("openivs-spill-").FullName;
        try
        {
            var pool = new TrackingArrayPool();
            var options = Options(pool: pool);
            options.SpillDirectory = directory;
            options.MemorySegments = 1;
            var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
            var segmentBytes = new Dictionary<long, byte[]>();
            var partBytes = new Dictionary<long, byte[]>();
            HlsMediaLease heldAcrossSpill = default;
            segmenter.PartCompleted += e =>
            {
                Assert.True(e.Snapshot.TryAcquirePart(e.PartSequence, out var part));
                using (part)
                {
                    partBytes[e.PartSequence] = part.Data.ToArray();
                }

                if (e.SegmentCompleted)
                {
                    Assert.True(e.Snapshot.TryAcquireSegment(e.MediaSequence, out var segment));
                    segmentBytes[e.MediaSequence] = segment.Data.ToArray();
                    if (e.MediaSequence == 0)
                    {
                        heldAcrossSpill = segment; // segment 0 is spilled while this lease still reads its buffers
                    }
                    else
                    {
                        segment.Dispose();
                    }
                }
            };
            Write(segmenter, Frames(100)); // segments 0, 1, 2 complete (1 s each), 3 open

            var snapshot = segmenter.Snapshot;
            var complete = snapshot.Segments.ToArray().Where(s => s.IsComplete).ToArray();
            Assert.Equal([0L, 1L, 2L], complete.Select(s => s.MediaSequence));
            // written on a thread-pool thread: wait for it, generously
            Assert.True(SpinWait.SpinUntil(() => complete[0].IsSpilled && complete[1].IsSpilled, TimeSpan.FromSeconds(30)));
            Assert.False(complete[2].IsSpilled);
            Assert.Equal(2, Directory.GetFiles(directory).Length);
            Assert.Equal(segmentBytes[0], heldAcrossSpill.Data.ToArray()); // the older lease still reads memory
            heldAcrossSpill.Dispose();

            foreach (var segment in complete)
            {
                Assert.Equal(segmentBytes[segment.MediaSequence], Bytes(snapshot, segment.MediaSequence));
                for (var i = 0; i < segment.PartCount; i++)
                {
                    var sequence = segment.GetPart(i).Sequence;
                    Assert.True(snapshot.TryAcquirePart(sequence, out var part));
                    using (part)
                    {
                        Assert.Equal(partBytes[sequence], part.Data.ToArray());
                    }
                }
            }

            // spilled segments hold no buffers: what is out is the memory segment's and the open one's
            var inMemory = snapshot.Segments.ToArray().Where(s => !s.IsSpilled).Sum(s => s.PartCount);
            Assert.True(SpinWait.SpinUntil(() => pool.Outstanding <= inMemory + 2, TimeSpan.FromSeconds(30)), $"{pool.Outstanding} buffers out for {inMemory} parts in memory");

            Write(segmenter, Frames(100).Select(f => f with { Timestamp = f.Timestamp + 3300 }).ToList());
            Assert.False(segmenter.Snapshot.TryAcquireSegment(0, out _)); // left the window: its file is gone
            segmenter.Dispose();
            // spills still running when the segments left end by deleting their files and returning the buffers
            Assert.True(SpinWait.SpinUntil(() => Directory.GetFiles(directory).Length == 0 && pool.Outstanding == 0, TimeSpan.FromSeconds(30)));
            Assert.Empty(pool.Errors);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void WithNoSegmentInMemoryEveryCompleteSegmentIsReadFromItsFile()
    {
        var directory = Directory.CreateTempSubdirectory("openivs-spill-").FullName;
        try
        {
            var pool = new TrackingArrayPool();
            var options = Options(pool: pool);
            options.SpillDirectory = directory;
            options.MemorySegments = 0;
            var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
            var partBytes = new Dictionary<long, byte[]>();
            var recorded = new Dictionary<long, byte[]>();
            segmenter.PartCompleted += e =>
            {
                Assert.True(e.Snapshot.TryAcquirePart(e.PartSequence, out var part));
                using (part)
                {
                    partBytes[e.PartSequence] = part.Data.ToArray();
                }

                if (e.SegmentCompleted)
                {
                    // what the recording tap does at this moment: the newest segment, from memory or its new file
                    Assert.True(e.Snapshot.TryAcquireSegment(e.MediaSequence, out var segment));
                    using (segment)
                    {
                        recorded[e.MediaSequence] = segment.Data.ToArray();
                    }
                }
            };
            Write(segmenter, Frames(100)); // segments 0, 1, 2 complete, 3 open

            var snapshot = segmenter.Snapshot;
            var complete = snapshot.Segments.ToArray().Where(s => s.IsComplete).ToArray();
            Assert.Equal(3, complete.Length);
            Assert.True(SpinWait.SpinUntil(() => complete.All(s => s.IsSpilled), TimeSpan.FromSeconds(30)));
            Assert.Equal(3, Directory.GetFiles(directory).Length);
            foreach (var segment in complete)
            {
                var fromFile = Bytes(snapshot, segment.MediaSequence);
                Assert.Equal(recorded[segment.MediaSequence], fromFile);
                Assert.Equal(segment.Length, fromFile.Length);
                for (var i = 0; i < segment.PartCount; i++)
                {
                    var sequence = segment.GetPart(i).Sequence;
                    Assert.True(snapshot.TryAcquirePart(sequence, out var part));
                    using (part)
                    {
                        Assert.Equal(partBytes[sequence], part.Data.ToArray());
                    }
                }
            }

            // only the open segment's parts hold pooled buffers
            var open = snapshot.Segments.ToArray().Single(s => !s.IsComplete);
            Assert.True(SpinWait.SpinUntil(() => pool.Outstanding <= open.PartCount + 2, TimeSpan.FromSeconds(30)), $"{pool.Outstanding} buffers out for {open.PartCount} open parts");
            segmenter.Dispose();
            Assert.True(SpinWait.SpinUntil(() => Directory.GetFiles(directory).Length == 0 && pool.Outstanding == 0, TimeSpan.FromSeconds(30)));
            Assert.Empty(pool.Errors);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] Bytes(HlsStreamSnapshot snapshot, long mediaSequence)
    {
        Assert.True(snapshot.TryAcquireSegment(mediaSequence, out var lease));
        using (lease)
        {
            return lease.Data.ToArray();
        }
    }

    [Fact]
    public void MetadataLandsInThePartCoveringItsTimestamp()
    {
        using var segmenter = new LiveSegmenter(Options(), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        var frames = Frames(90);
        frames.Add(new MediaFrameData(MediaKind.Data, "{\"n\":1}"u8.ToArray(), 1010, 0, true));
        Write(segmenter, frames.OrderBy(f => f.Timestamp).ThenBy(f => f.Kind).ToList());
        segmenter.Complete();

        var start = 0.0;
        var found = new List<(double Start, double End, ulong Time)>();
        foreach (var segment in segmenter.Snapshot.Segments)
        {
            for (var i = 0; i < segment.PartCount; i++)
            {
                var part = segment.GetPart(i);
                var bytes = part.Memory.ToArray();
                foreach (var emsg in Mp4SampleReader.Children(bytes, 0, bytes.Length, "emsg"))
                {
                    found.Add((start, start + part.Duration, BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(emsg.Body + 8))));
                }

                start += part.Duration;
            }
        }

        var (partStart, partEnd, time) = Assert.Single(found);
        Assert.Equal(90_900ul, time);
        Assert.InRange(1.010, partStart, partEnd);
    }

    [Fact]
    public void DiscontinuityMarksTheNextSegmentAndSwitchesTheMap()
    {
        var options = Options();
        options.WindowSegments = 5;
        using var segmenter = new LiveSegmenter(options, SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        Write(segmenter, Frames(45));
        segmenter.BeginDiscontinuity();
        Write(segmenter, Frames(45)); // timestamps restart at 0, as after a publisher reconnect
        segmenter.Complete();

        var text = SegmenterOutput.Render(segmenter.Snapshot.Playlist);
        Assert.Contains("#EXT-X-MAP:URI=\"init0.mp4\"\n", text, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init1.mp4\"\n", text, StringComparison.Ordinal);
        var segments = segmenter.Snapshot.Segments.ToArray();
        Assert.Equal([0L, 1, 2, 3], segments.Select(s => s.MediaSequence));
        Assert.Equal([false, false, true, false], segments.Select(s => s.Discontinuity));
        Assert.True(segmenter.Snapshot.TryGetInitSegment(1, out var init));
        Assert.Equal("ftyp"u8.ToArray(), init.Slice(4, 4).ToArray());
    }

    [Fact]
    public void FramesBeforeTheFirstKeyframeAreDropped()
    {
        using var segmenter = new LiveSegmenter(Options(HlsContainerFormat.MpegTs), SyntheticStream.VideoInfo, SyntheticStream.AudioInfo);
        var frames = Frames(60).Where(f => !(f.Kind == MediaKind.Video && f.Timestamp == 0)).ToList();
        Write(segmenter, frames);
        Assert.Equal(frames.Count(f => f.Timestamp < 990), segmenter.DroppedFrames);
        var first = segmenter.Snapshot.Segments[0].GetPart(0);
        Assert.True(first.IsIndependent);
        Assert.EndsWith(".ts", first.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsRejectOutOfRangeValues()
    {
        var options = new LiveSegmenterOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SegmentTarget = TimeSpan.FromMilliseconds(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.PartTarget = TimeSpan.FromMilliseconds(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.WindowSegments = 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.PartHoldBackParts = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MemorySegments = -1);
        Assert.Throws<ArgumentException>(() => options.MetadataOwner = string.Empty);
        options.PartTarget = null;
        Assert.Null(options.PartTarget);
    }

    private static void Write(LiveSegmenter segmenter, IEnumerable<MediaFrameData> frames)
    {
        foreach (var data in frames)
        {
            var frame = data.ToFrame();
            segmenter.Write(frame);
            frame.Release();
        }
    }
}
