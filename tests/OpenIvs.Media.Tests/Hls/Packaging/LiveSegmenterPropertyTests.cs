using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Hls.Packaging;

public class LiveSegmenterPropertyTests
{
    private static readonly Gen<(SyntheticStream Stream, HlsContainerFormat Format, int PartMs, int SegmentMs, int Window, bool Early)> Scenarios =
        from video in Gen.Bool
        from audio in Gen.Bool
        from frameCount in Gen.Int[1, 400]
        from interval in Gen.OneOf(16, 17, 33, 34, 40, 50)
        from gop in Gen.Int[1, 120]
        from bFrames in Gen.Bool
        from gaps in Gen.Dictionary(Gen.Int[0, 400], Gen.OneOf(Gen.Int[1, 500], Gen.Int[2_000, 12_000]))[0, 3]
        from format in Gen.OneOf(HlsContainerFormat.Fmp4, HlsContainerFormat.MpegTs)
        from partMs in Gen.Int[100, 1_000]
        from segmentMs in Gen.Int[200, 4_000]
        from window in Gen.Int[3, 6]
        from early in Gen.Bool
        select (new SyntheticStream(video || !audio, audio, frameCount, interval, gop, bFrames, gaps), format, partMs, Math.Max(segmentMs, partMs), window, early);

    [Fact]
    public void SegmentsPartsSequencesAndBuffersStayConsistent() =>
        Scenarios.Sample(scenario => Check(scenario.Stream, scenario.Format, scenario.PartMs, scenario.SegmentMs, scenario.Window, scenario.Early), iter: 300);

    private static void Check(SyntheticStream stream, HlsContainerFormat format, int partMs, int segmentMs, int window, bool closeOnLastFrame)
    {
        var pool = new TrackingArrayPool();
        var options = new LiveSegmenterOptions
        {
            Format = format,
            PartTarget = TimeSpan.FromMilliseconds(partMs),
            SegmentTarget = TimeSpan.FromMilliseconds(segmentMs),
            WindowSegments = window,
            BufferPool = pool,
            ClosePartsOnLastFrame = closeOnLastFrame,
        };
        var inputs = stream.Build();
        var frames = new List<MediaFrame>();
        var events = new List<HlsPartCompleted>();
        var leases = new List<(HlsMediaLease Lease, byte[] Array, byte[] Copy)>();
        var maxInterval = MaxDriveInterval(inputs, stream.Video);

        using (var segmenter = new LiveSegmenter(options, stream.Video ? SyntheticStream.VideoInfo : null, stream.Audio ? SyntheticStream.AudioInfo : null))
        {
            segmenter.PartCompleted += e =>
            {
                events.Add(e);

                // The snapshot handed to the hook already contains the part.
                Assert.True(e.Snapshot.Satisfies(e.MediaSequence, e.PartIndex));
                Assert.Equal(e.PartSequence + 1, e.Snapshot.NextPartSequence);

                // Hold a lease on every third part across evictions, like a slow HTTP response would.
                if (e.PartSequence % 3 == 0 && e.Snapshot.TryAcquirePart(e.PartSequence, out var lease))
                {
                    Assert.True(MemoryMarshal.TryGetArray(lease.Data.First, out var segment));
                    leases.Add((lease, segment.Array!, lease.Data.ToArray()));
                }
            };

            foreach (var input in inputs)
            {
                var frame = input.ToFrame();
                frames.Add(frame);
                segmenter.Write(frame);
            }

            segmenter.Complete();
            var final = segmenter.Snapshot;
            Assert.True(final.IsEnded);

            // Media sequence numbers and part indices are continuous.
            for (var i = 1; i < events.Count; i++)
            {
                var (previous, current) = (events[i - 1], events[i]);
                if (closeOnLastFrame && current.SegmentCompleted && !previous.SegmentCompleted && current.PartSequence == previous.PartSequence)
                {
                    // the part closed on its last frame; the keyframe after it completed the segment: the same part again
                    Assert.Equal((previous.MediaSequence, previous.PartIndex), (current.MediaSequence, current.PartIndex));
                    continue;
                }

                Assert.Equal(previous.PartSequence + 1, current.PartSequence);
                if (previous.SegmentCompleted)
                {
                    Assert.True(current.MediaSequence > previous.MediaSequence);
                    Assert.Equal(0, current.PartIndex);
                }
                else
                {
                    Assert.Equal(previous.MediaSequence, current.MediaSequence);
                    Assert.Equal(previous.PartIndex + 1, current.PartIndex);
                }
            }

            var segments = final.Segments.ToArray();
            for (var i = 1; i < segments.Length; i++)
            {
                Assert.Equal(segments[i - 1].MediaSequence + 1, segments[i].MediaSequence);
            }

            Assert.True(segments.Length <= window);
            foreach (var segment in segments)
            {
                Assert.True(segment.IsComplete);

                // Segments always start on a keyframe.
                Assert.True(segment.GetPart(0).IsIndependent, $"segment {segment.MediaSequence} starts without a keyframe");
                for (var p = 0; p < segment.PartCount; p++)
                {
                    var part = segment.GetPart(p);
                    Assert.Equal(p, part.Index);

                    // Part durations exceed the part target by less than one frame interval.
                    Assert.True(part.Duration <= (partMs + maxInterval + 1) / 1000.0, $"part {part.Sequence}: {part.Duration} s with target {partMs} ms");
                }
            }

            // Leased bytes stayed intact and owned by us until released, even after their segment left the window.
            foreach (var (lease, array, copy) in leases)
            {
                Assert.True(pool.IsOutstanding(array));
                Assert.Equal(copy, lease.Data.ToArray());
                lease.Dispose();
                Assert.Equal(copy, array.AsSpan(0, copy.Length).ToArray());
            }
        }

        // Every rented buffer went back exactly once, and the segmenter kept no frame reference.
        Assert.Empty(pool.Errors);
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(pool.Rented, pool.Returned);
        foreach (var frame in frames)
        {
            frame.Release();
            Assert.Throws<ObjectDisposedException>(() => frame.Payload);
        }
    }

    private static int MaxDriveInterval(List<MediaFrameData> inputs, bool video)
    {
        var kind = video ? MediaKind.Video : MediaKind.Audio;
        var max = 50;
        long? previous = null;
        foreach (var frame in inputs.Where(f => f.Kind == kind))
        {
            if (previous is { } p)
            {
                max = Math.Max(max, (int)(frame.Timestamp - p));
            }

            previous = frame.Timestamp;
        }

        // Audio decode times advance by whole frames and re-anchor to the stamps only when they drift more than
        // 100 ms apart (AudioTimeline), so a gap under that threshold is carried and released at the next re-anchor:
        // one step between decode times can be up to 100 ms longer than any step between stamps.
        return video ? max : max + AudioResyncMilliseconds;
    }

    private const int AudioResyncMilliseconds = 100;
}
