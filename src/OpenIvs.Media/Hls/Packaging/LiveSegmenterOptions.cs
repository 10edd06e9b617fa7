using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>Settings of a <see cref="LiveSegmenter"/>. Setters validate; defaults suit IVS LOW latency.</summary>
public sealed class LiveSegmenterOptions
{
    private TimeSpan _segmentTarget = TimeSpan.FromSeconds(2);
    private TimeSpan? _partTarget = TimeSpan.FromSeconds(0.5);
    private int _windowSegments = 10;
    private int _memorySegments = 2;
    private double _partHoldBackParts = 3;
    private TimeSpan _timestampJumpThreshold = TimeSpan.FromSeconds(10);
    private TimeSpan _programDateTimeResyncThreshold = TimeSpan.FromSeconds(1);
    private string _metadataOwner = "metadata.live-video.net";

    /// <summary>Segment container. Default fMP4.</summary>
    public HlsContainerFormat Format { get; set; } = HlsContainerFormat.Fmp4;

    /// <summary>
    /// Segments are cut at the first keyframe at or after this duration (0.2-60 s, default 2 s = IVS LOW latency;
    /// use e.g. 6 s for NORMAL). A segment is never shorter, but longer when keyframes are further apart.
    /// </summary>
    public TimeSpan SegmentTarget
    {
        get => _segmentTarget;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(0.2));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(60));
            _segmentTarget = value;
        }
    }

    /// <summary>
    /// LL-HLS part target (PART-TARGET), 0.05 s up to the segment target; default 0.5 s. Null disables parts:
    /// each segment is one fragment and the playlist carries no low-latency tags.
    /// </summary>
    public TimeSpan? PartTarget
    {
        get => _partTarget;
        set
        {
            if (value is { } v)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(v, TimeSpan.FromSeconds(0.05));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(v, TimeSpan.FromSeconds(60));
            }

            _partTarget = value;
        }
    }

    /// <summary>
    /// Parts are cut to end this far inside <see cref="PartTarget"/>, which the playlist advertises: encoders'
    /// timestamps jitter by a few milliseconds, and a part must never last longer than PART-TARGET
    /// (RFC 8216bis §4.4.4.9). Default 0; at most a quarter of the part target.
    /// </summary>
    public TimeSpan PartTargetHeadroom { get; set; }

    /// <summary>
    /// Close a part on the video frame that fills it, or that ends a keyframe interval (from the interval between the
    /// last two keyframes), instead of when the next frame arrives: the part is published a frame interval sooner, its
    /// last sample lasting the previous frame interval. Off: every part waits for the next frame, which gives its last
    /// sample its exact duration.
    /// </summary>
    public bool ClosePartsOnLastFrame { get; set; }

    /// <summary>Complete segments kept in the window and the playlist (3-10000, default 10).</summary>
    public int WindowSegments
    {
        get => _windowSegments;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 3);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000);
            _windowSegments = value;
        }
    }

    /// <summary>
    /// PART-HOLD-BACK in part targets (2-10, default 3). RFC 8216bis §4.4.3.8: at least twice the part target;
    /// three times is recommended.
    /// </summary>
    public double PartHoldBackParts
    {
        get => _partHoldBackParts;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10);
            _partHoldBackParts = value;
        }
    }

    /// <summary>Advertise CAN-SKIP-UNTIL (six target durations, the §4.4.3.8 minimum) so clients can ask for delta updates.</summary>
    public bool DeltaUpdates { get; set; } = true;

    /// <summary>Prefix the first fragment of each fMP4 segment with a <c>styp</c> box. Default off.</summary>
    public bool WriteSegmentType { get; set; }

    /// <summary>
    /// A timestamp jump of the driving track larger than this (forwards; backwards by more than one second)
    /// starts a discontinuity (1-3600 s, default 10 s).
    /// </summary>
    public TimeSpan TimestampJumpThreshold
    {
        get => _timestampJumpThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromHours(1));
            _timestampJumpThreshold = value;
        }
    }

    /// <summary>
    /// EXT-X-PROGRAM-DATE-TIME follows media time from an anchor taken from the caller's wall clock; it
    /// re-anchors when a supplied wall clock disagrees by more than this (0.1-60 s, default 1 s).
    /// </summary>
    public TimeSpan ProgramDateTimeResyncThreshold
    {
        get => _programDateTimeResyncThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(0.1));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromSeconds(60));
            _programDateTimeResyncThreshold = value;
        }
    }

    /// <summary>TXXX description for metadata payloads that are not already ID3 (IVS: <c>metadata.live-video.net</c>).</summary>
    public string MetadataOwner
    {
        get => _metadataOwner;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            _metadataOwner = value;
        }
    }

    /// <summary>
    /// TS output announces an SCTE-35 stream in every PMT and carries the splice_insert of each ad break marked with
    /// <see cref="LiveSegmenter.MarkAdBreak"/> (fMP4 carries the markers in the playlist only).
    /// </summary>
    public bool SpliceInfoStream { get; set; }

    /// <summary>
    /// A directory for segments that players rarely ask for: complete segments older than the newest
    /// <see cref="MemorySegments"/> are written there (one file each, deleted when the segment leaves the window)
    /// and their buffers freed; they stay in the playlist and are read back when requested. Null (default): the
    /// whole window stays in memory.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>
    /// Complete segments kept in memory when <see cref="SpillDirectory"/> is set (0-10000, default 2), besides the open
    /// one. 0: each segment goes to its file as soon as it is complete (its parts stay in memory while being written).
    /// </summary>
    public int MemorySegments
    {
        get => _memorySegments;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000);
            _memorySegments = value;
        }
    }

    /// <summary>Media sequence number of the first segment.</summary>
    public long FirstMediaSequence { get; set; }

    /// <summary>Sequence number of the first part (its URI); a rendition that follows another starts where that one's segment did.</summary>
    public long FirstPartSequence { get; set; }

    /// <summary>Pool for part buffers and scratch space.</summary>
    public ArrayPool<byte> BufferPool { get; set; } = ArrayPool<byte>.Shared;
}
