using System.Buffers;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// An immutable view of the live window, published by <see cref="LiveSegmenter"/> after every part. Safe to
/// use from any thread; a new snapshot replaces it, this one never changes (the open segment may gain parts,
/// but this snapshot's playlist and counts do not).
/// </summary>
public sealed class HlsStreamSnapshot
{
    private readonly HlsSegment[] _segments;
    private readonly int[] _partCounts;
    private readonly bool _lastComplete;

    internal HlsStreamSnapshot(long version, MediaPlaylist playlist, HlsSegment[] segments, int[] partCounts, long nextPartSequence, string? nextPartUri, bool isEnded, long peakBitrate, long averageBitrate, bool lastComplete)
    {
        _lastComplete = lastComplete;
        Version = version;
        Playlist = playlist;
        _segments = segments;
        _partCounts = partCounts;
        NextPartSequence = nextPartSequence;
        NextPartUri = nextPartUri;
        IsEnded = isEnded;
        PeakBitrate = peakBitrate;
        AverageBitrate = averageBitrate;
    }

    internal static HlsStreamSnapshot Empty(MediaPlaylist playlist) => new(0, playlist, [], [], 0, null, false, 0, 0, false);

    /// <summary>Increases with every publication (one per completed part).</summary>
    public long Version { get; }

    /// <summary>The media playlist to write with <see cref="MediaPlaylistWriter"/>.</summary>
    public MediaPlaylist Playlist { get; }

    /// <summary>Segments in the window, oldest first; the last one may be incomplete.</summary>
    public ReadOnlySpan<HlsSegment> Segments => _segments;

    /// <summary>Stream-wide number of the next part (the one named by EXT-X-PRELOAD-HINT).</summary>
    public long NextPartSequence { get; }

    /// <summary>URI of the next part, or null once the stream has ended.</summary>
    public string? NextPartUri { get; }

    /// <summary>The stream ended (EXT-X-ENDLIST).</summary>
    public bool IsEnded { get; }

    /// <summary>Largest segment bit rate in the window (for BANDWIDTH), bits per second.</summary>
    public long PeakBitrate { get; }

    /// <summary>Average bit rate of the complete segments in the window (for AVERAGE-BANDWIDTH).</summary>
    public long AverageBitrate { get; }

    /// <summary>
    /// The last (msn, part index) for EXT-X-RENDITION-REPORT and for deciding whether a blocking request is
    /// satisfied; (-1, -1) before the first part.
    /// </summary>
    public (long MediaSequence, int PartIndex) LastPart
    {
        get
        {
            for (var i = _segments.Length - 1; i >= 0; i--)
            {
                if (_partCounts[i] > 0)
                {
                    return (_segments[i].MediaSequence, _partCounts[i] - 1);
                }
            }

            return (-1, -1);
        }
    }

    /// <summary>
    /// Whether this snapshot already answers a blocking reload for <c>_HLS_msn</c> = <paramref name="mediaSequence"/>
    /// and <c>_HLS_part</c> = <paramref name="partIndex"/> (null when the request has no _HLS_part).
    /// RFC 8216bis §6.2.5.2: the server holds the request until the playlist contains that segment (and part),
    /// or a later one. A part index beyond the segment's last part is satisfied by the next segment's first part.
    /// </summary>
    public bool Satisfies(long mediaSequence, int? partIndex)
    {
        if (IsEnded)
        {
            return true;
        }

        for (var i = _segments.Length - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            if (segment.MediaSequence > mediaSequence && _partCounts[i] > 0)
            {
                return true;
            }

            if (segment.MediaSequence == mediaSequence)
            {
                return partIndex is { } p ? _partCounts[i] > p : IsSegmentComplete(i);
            }
        }

        return false;
    }

    /// <summary>Leases a complete segment's bytes; false if it is not (or no longer) in the window.</summary>
    public bool TryAcquireSegment(long mediaSequence, out HlsMediaLease lease)
    {
        lease = default;
        var i = IndexOf(mediaSequence);
        return i >= 0 && IsSegmentComplete(i) && _segments[i].TryLease(0, _partCounts[i], withTail: true, out lease);
    }

    /// <summary>Leases one part by its stream-wide number (its URI); false if not published or already freed.</summary>
    public bool TryAcquirePart(long partSequence, out HlsMediaLease lease)
    {
        lease = default;
        for (var i = _segments.Length - 1; i >= 0; i--)
        {
            if (_partCounts[i] == 0)
            {
                continue;
            }

            var segment = _segments[i];
            var first = segment.GetPart(0).Sequence;
            if (partSequence < first)
            {
                continue;
            }

            var index = partSequence - first;
            return index < _partCounts[i] && segment.TryLease((int)index, 1, withTail: false, out lease);
        }

        return false;
    }

    /// <summary>The init segment of a map generation (fMP4), if a segment in the window uses it.</summary>
    public bool TryGetInitSegment(int generation, out ReadOnlyMemory<byte> initSegment)
    {
        for (var i = _segments.Length - 1; i >= 0; i--)
        {
            if (_segments[i].MapGeneration == generation && !_segments[i].InitSegment.IsEmpty)
            {
                initSegment = _segments[i].InitSegment;
                return true;
            }
        }

        initSegment = default;
        return false;
    }

    /// <summary>An EXT-X-RENDITION-REPORT describing this rendition, for the origin's other renditions' playlists.</summary>
    public RenditionReport CreateRenditionReport(string uri)
    {
        var (msn, part) = LastPart;
        return msn < 0 ? new RenditionReport(uri) : new RenditionReport(uri, msn, part);
    }

    private bool IsSegmentComplete(int index) => index < _segments.Length - 1 || _lastComplete;

    private int IndexOf(long mediaSequence)
    {
        if (_segments.Length == 0)
        {
            return -1;
        }

        var index = mediaSequence - _segments[0].MediaSequence;
        return index >= 0 && index < _segments.Length ? (int)index : -1;
    }
}
