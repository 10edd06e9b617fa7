using System.Collections.Concurrent;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The segments the playback packager completes for one rendition, handed to a reader that would otherwise cut
/// the same segments again (the recorder): the packager offers each one it completes, and only while a reader has
/// opened the tap does it lease and queue it. The queue is bounded: a reader that stops taking loses segments,
/// and <see cref="Dropped"/> says so.
/// </summary>
/// <remarks>One producer (the packager's pump), one consumer.</remarks>
public sealed class SegmentTap
{
    private const int Capacity = 256; // about 8 minutes of 2 s segments
    private readonly ConcurrentQueue<PackagedSegment> _queue = new();
    private volatile bool _open;
    private volatile bool _packaged;
    private volatile bool _completed;
    private volatile bool _dropped;

    /// <summary>The playback packager cuts this rendition's segments (set before its first frame).</summary>
    public bool Packaged => _packaged;

    /// <summary>The packager has offered its last segment (the rendition ended, or its packaging failed).</summary>
    public bool Completed => _completed;

    /// <summary>A reader has opened the tap.</summary>
    public bool IsOpen => _open;

    /// <summary>A segment was lost because the queue was full.</summary>
    public bool Dropped => _dropped;

    /// <summary>The packager: this rendition's segments will be offered.</summary>
    public void MarkPackaged() => _packaged = true;

    /// <summary>The reader: queue every segment completed from now on.</summary>
    public void Open() => _open = true;

    /// <summary>The reader: no more segments; those queued are released.</summary>
    public void Close()
    {
        _open = false;
        while (_queue.TryDequeue(out var segment))
        {
            segment.Dispose();
        }
    }

    /// <summary>The packager: a segment of <paramref name="snapshot"/> is complete.</summary>
    public void Offer(HlsStreamSnapshot snapshot, long mediaSequence)
    {
        if (!_open)
        {
            return;
        }

        if (_queue.Count >= Capacity)
        {
            _dropped = true;
            return;
        }

        HlsSegment? segment = null;
        foreach (var s in snapshot.Segments)
        {
            if (s.MediaSequence == mediaSequence)
            {
                segment = s;
            }
        }

        if (segment is not null && snapshot.TryAcquireSegment(mediaSequence, out var lease))
        {
            _queue.Enqueue(new PackagedSegment(segment, lease, snapshot.Playlist.DateRanges));
            if (!_open)
            {
                Close(); // closed meanwhile: nobody will take it
            }
        }
    }

    /// <summary>The live playlist's ad-break tags at the end (a break still open, the post-roll), once <see cref="Completed"/>.</summary>
    public IReadOnlyList<DateRange> FinalDateRanges { get; private set; } = [];

    /// <summary>The packager: no more segments; <paramref name="finalDateRanges"/> are the last playlist's ad-break tags.</summary>
    public void Complete(IReadOnlyList<DateRange>? finalDateRanges = null)
    {
        if (!_completed && finalDateRanges is not null)
        {
            FinalDateRanges = finalDateRanges;
        }

        _completed = true;
    }

    public bool TryTake(out PackagedSegment segment) => _queue.TryDequeue(out segment!);
}
