using System.Buffers;
using System.Runtime.InteropServices;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Scte35;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// A clock-free live segmenter: takes <see cref="MediaFrame"/>s of one stream (video, audio, timed metadata)
/// and produces LL-HLS segments cut on keyframes and parts of about <see cref="LiveSegmenterOptions.PartTarget"/>,
/// as fMP4 or MPEG-TS, in a bounded window of pooled, reference-counted buffers.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> One writer: <see cref="Write"/>, <see cref="BeginDiscontinuity"/>, <see cref="Complete"/>
/// and <see cref="Dispose"/> must not run concurrently (call them from the ingest loop). Everything else is for
/// any thread: <see cref="Snapshot"/> is an immutable view replaced (with a volatile write) after each part;
/// leases taken from it keep buffers alive; <see cref="PartCompleted"/> fires on the writer's thread right after
/// the snapshot that contains the part is published, so handlers must be short and must not throw (complete a
/// <c>TaskCompletionSource</c> created with <c>RunContinuationsAsynchronously</c>, signal a channel, ...).</para>
/// <para><b>Frames.</b> Write does not take over the caller's reference: it <see cref="MediaFrame.Retain"/>s
/// what it keeps and releases it when the part is written. Video drives the cuts (audio when there is no
/// video track). Frames before the first keyframe are dropped, as are video frames whose DTS does not increase.</para>
/// <para><b>Cutting.</b> A part closes when the next video frame arrives: the frame that starts the next part
/// gives the last sample of the current part its exact duration (so nothing is estimated), at a latency cost of
/// one frame interval (33 ms at 30 fps) per part. With <see cref="LiveSegmenterOptions.ClosePartsOnLastFrame"/> it
/// closes on the frame that fills it, or that ends a keyframe interval, with that frame lasting the last frame
/// interval (a frame early with irregular timing: the next part starts at the next frame's own time). A keyframe always starts a new part. The part is closed <i>before</i> a frame whose predicted end
/// (its DTS plus the last frame interval) would pass the part target, so parts stay within PART-TARGET
/// (RFC 8216bis §4.4.4.9) whenever frame intervals are steady; with irregular timing a part can exceed it by
/// less than one frame. A segment closes at the first keyframe once the target is reached (half a frame early
/// counts, so millisecond jitter never doubles a segment). Audio goes into the part whose time range covers
/// its decode time (frames arriving after that part closed go into the next one with their true time stamps);
/// metadata likewise, clamped to the start of the open part when it arrives late.</para>
/// </remarks>
public sealed class LiveSegmenter : IDisposable
{
    private const long BackwardJump90 = 90_000;
    private const long PartTolerance90 = 90; // 1 ms: parts aim to end at least this far inside the target
    private const long SteadyTolerance90 = 180; // 2 ms

    private readonly LiveSegmenterOptions _options;
    private readonly ArrayPool<byte> _pool;
    private readonly HlsUriScheme _uris;
    private readonly PooledBufferWriter _output;
    private readonly List<PendingVideo> _video = [];
    private readonly List<PendingAudio> _audio = [];
    private readonly List<PendingData> _data = [];
    private readonly List<HlsSegment> _window = [];
    private readonly List<AdBreakState> _adBreaks = [];
    private readonly List<byte[]> _pendingSplices = [];
    private readonly long _segmentTarget90;
    private readonly long _partTarget90;
    private readonly long _partCut90;

    private VideoTrackInfo? _videoInfo;
    private AudioTrackInfo? _audioInfo;
    private SegmentPackager _packager;
    private AudioTimeline? _audioTimeline;
    private HlsStreamSnapshot _snapshot;
    private HlsSegment? _open;
    private MapTag? _map;
    private int _mapGeneration;
    private long _nextMediaSequence;
    private long _nextPartSequence;
    private long _version;
    private long _discontinuitySequence;
    private bool _pendingDiscontinuity;
    private bool _started;
    private long _periodStart90;
    private long _segmentStart90;
    private long _partStart90;
    private long _lastDrive90 = long.MinValue;
    private long _interval90;
    private long _previousInterval90; // the interval before _interval90: parts close on their last frame only while both agree
    private long _lastKeyframe90 = long.MinValue;
    private long _keyframeInterval90; // between the last two keyframes: the next is expected that much after the last
    private DateTimeOffset? _anchorWall;
    private long _anchor90;
    private int _targetDuration;
    private long _nextCue90 = long.MaxValue;
    private long _cutOffset90; // composition offset of the frame being written: splice times are presentation times
    private bool _ended;
    private bool _disposed;

    public LiveSegmenter(LiveSegmenterOptions options, VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (video is null && audio is null)
        {
            throw new ArgumentException("At least one track is required.");
        }

        _options = options;
        _pool = options.BufferPool;
        _uris = new HlsUriScheme(options.Format);
        _output = new PooledBufferWriter(ArrayPool<byte>.Shared); // scratch: each part is copied out at its size
        _segmentTarget90 = (long)(options.SegmentTarget.TotalSeconds * 90_000);
        _partTarget90 = options.PartTarget is { } part ? Math.Min((long)(part.TotalSeconds * 90_000), _segmentTarget90) : 0;
        _partCut90 = _partTarget90 - Math.Clamp((long)(options.PartTargetHeadroom.TotalSeconds * 90_000), 0, _partTarget90 / 4) - PartTolerance90;
        _targetDuration = (int)Math.Ceiling(options.SegmentTarget.TotalSeconds - 1e-9);
        _nextMediaSequence = options.FirstMediaSequence;
        _nextPartSequence = options.FirstPartSequence;
        _videoInfo = video;
        _audioInfo = audio;
        _packager = CreatePackager();
        _snapshot = HlsStreamSnapshot.Empty(BuildPlaylist([]));
    }

    /// <summary>Raised on the writer's thread after each part is published. See the class remarks.</summary>
    public event Action<HlsPartCompleted>? PartCompleted;

    /// <summary>The current immutable view of the window (any thread).</summary>
    public HlsStreamSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The naming scheme of this segmenter's URIs (to route requests).</summary>
    public HlsUriScheme UriScheme => _uris;

    /// <summary>Frames dropped: before the first keyframe, non-increasing video DTS, or for a track the stream does not have.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>Adds one frame. <paramref name="wallClock"/> (when ingest received it) feeds EXT-X-PROGRAM-DATE-TIME.</summary>
    public void Write(MediaFrame frame, DateTimeOffset? wallClock = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            throw new InvalidOperationException("The stream has been completed.");
        }

        switch (frame.Kind)
        {
            case MediaKind.Video:
                WriteVideo(frame, wallClock);
                break;
            case MediaKind.Audio:
                WriteAudio(frame, wallClock);
                break;
            case MediaKind.Data:
                _data.Add(new PendingData(frame.Retain(), frame.Timestamp * 90));
                break;
            default:
                DroppedFrames++;
                break;
        }
    }

    /// <summary>
    /// Marks an ad break, or updates one marked before with the same id (its end once known). The segment that
    /// starts at or after <see cref="AdBreakMarker.Start"/> is cut at that keyframe and carries EXT-X-DATERANGE with
    /// SCTE35-OUT; likewise the end with SCTE35-IN. The tags stay while any of the break's segments is in the window.
    /// </summary>
    public void MarkAdBreak(AdBreakMarker marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var state = _adBreaks.Find(b => b.Marker.Id == marker.Id);
        if (state is null)
        {
            _adBreaks.Add(new AdBreakState(marker));
        }
        else
        {
            state.Marker = marker;
        }

        UpdateNextCue();
    }

    /// <summary>
    /// The segment of the window (complete or open) whose first frame is presented at <paramref name="presentationTime"/>
    /// (milliseconds, within half a frame): its media sequence number, the sequence number of its first part and its
    /// first frame's decode time (ms); null when no segment starts there. A rendition cut at the same keyframes (a
    /// transcoded rung, whose frames keep the source's presentation times) numbers its segments and parts from there,
    /// so that equal numbers mean equal media in every rendition. Writer's thread only.
    /// </summary>
    public (long MediaSequence, long FirstPartSequence, long Timestamp)? SegmentStartingAt(long presentationTime)
    {
        var time90 = presentationTime * 90;
        var tolerance = FrameInterval90() / 2;
        for (var i = _window.Count - 1; i >= 0; i--)
        {
            var segment = _window[i];
            if (Math.Abs(segment.PresentationStart90 - time90) <= tolerance)
            {
                var firstPart = segment.PartCount > 0 ? segment.GetPart(0).Sequence : _nextPartSequence;
                return (segment.MediaSequence, firstPart, segment.Start90 / 90);
            }
        }

        return null;
    }

    /// <summary>
    /// EXT-X-PROGRAM-DATE-TIME of a stream time (ms) on the current anchor, or null before the first segment: lets
    /// other renditions of the same stream follow the same clock.
    /// </summary>
    public DateTimeOffset? DateTimeOf(long timestamp) => _anchorWall is { } a ? a + Elapsed(timestamp * 90) : null;

    /// <summary>
    /// Ends the current segment and starts a new period: the next segment carries EXT-X-DISCONTINUITY and, for
    /// fMP4, a new init segment (EXT-X-MAP) built from the given track infos (null keeps the current one).
    /// Use it when the publisher reconnects or its codec parameters change.
    /// </summary>
    public void BeginDiscontinuity(VideoTrackInfo? video = null, AudioTrackInfo? audio = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            throw new InvalidOperationException("The stream has been completed.");
        }

        StartNewPeriod(video ?? _videoInfo, audio ?? _audioInfo);
    }

    /// <summary>Ends the stream: flushes the open part and segment and adds EXT-X-ENDLIST.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            return;
        }

        CloseAdBreaks();
        var flushed = Flush();
        ReleasePending();
        _ended = true;
        Publish(flushed, segmentCompleted: flushed is not null);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ReleasePending();
        foreach (var segment in _window)
        {
            segment.ReleaseFromWindow();
        }

        _window.Clear();
        _open = null;
        _packager.Dispose();
        _output.Dispose();
    }

    private bool VideoDrives => _videoInfo is not null;

    private void WriteVideo(MediaFrame frame, DateTimeOffset? wallClock)
    {
        if (_videoInfo is null)
        {
            DroppedFrames++;
            return;
        }

        var dts = frame.Timestamp * 90;
        _cutOffset90 = frame.CompositionOffset * 90;
        if (_started && IsJump(dts))
        {
            StartNewPeriod(_videoInfo, _audioInfo);
        }

        if (!_started)
        {
            if (!frame.IsKeyframe)
            {
                DroppedFrames++;
                return;
            }

            Start(dts, wallClock);
        }
        else if (dts <= _lastDrive90)
        {
            DroppedFrames++;
            return;
        }
        else
        {
            MaybeCut(dts, frame.IsKeyframe, wallClock);
        }

        _video.Add(new PendingVideo(frame.Retain(), dts, frame.CompositionOffset * 90, frame.IsKeyframe));
        Advance(dts);
        if (frame.IsKeyframe)
        {
            _keyframeInterval90 = _lastKeyframe90 == long.MinValue ? 0 : dts - _lastKeyframe90;
            _lastKeyframe90 = dts;
        }

        if (_options.ClosePartsOnLastFrame && _partTarget90 > 0)
        {
            CloseOnLastFrame(dts);
        }
    }

    /// <summary>
    /// Closes the open part on the frame just written when the next one, a frame interval later, would not fit in it
    /// (the test <see cref="MaybeCut"/> makes when that frame arrives) or is expected to be a keyframe: the part is out
    /// a frame interval sooner than when the next frame closes it.
    /// </summary>
    private void CloseOnLastFrame(long dts)
    {
        // Only with steady timing (the last two intervals within 2 ms: encoders' millisecond stamps alternate, e.g.
        // 33/34 ms): after a gap or a stutter the next frame's time is anyone's guess, so it closes the part as always.
        // The shorter interval is taken, so the next frame starts at or after the predicted end (at most 2 ms after).
        if (_interval90 <= 0 || _previousInterval90 <= 0 || Math.Abs(_interval90 - _previousInterval90) > SteadyTolerance90)
        {
            return;
        }

        var interval = Math.Min(_interval90, _previousInterval90);
        var end = dts + interval;
        var full = end + interval - _partStart90 > _partCut90;
        var keyframeNext = _keyframeInterval90 > 0 && Math.Abs(end - (_lastKeyframe90 + _keyframeInterval90)) < interval / 2;
        if (full || keyframeNext)
        {
            Publish(ClosePart(end), segmentCompleted: false);
        }
    }

    private void WriteAudio(MediaFrame frame, DateTimeOffset? wallClock)
    {
        if (_audioInfo is null || _audioTimeline is null || (VideoDrives && !_started))
        {
            DroppedFrames++;
            return;
        }

        if (!VideoDrives && _started && IsJump(frame.Timestamp * 90))
        {
            StartNewPeriod(_videoInfo, _audioInfo);
        }

        var dts = _audioTimeline.Next(frame.Timestamp);
        var dts90 = _audioTimeline.To90kHz(dts);
        if (VideoDrives)
        {
            if (dts90 < _periodStart90)
            {
                DroppedFrames++; // audio from before the first keyframe
                return;
            }
        }
        else if (!_started)
        {
            Start(dts90, wallClock);
        }
        else if (dts90 <= _lastDrive90)
        {
            DroppedFrames++;
            return;
        }
        else
        {
            MaybeCut(dts90, isKeyframe: true, wallClock);
        }

        _audio.Add(new PendingAudio(frame.Retain(), dts, dts90));
        if (!VideoDrives)
        {
            Advance(dts90);
        }
    }

    private bool IsJump(long drive90) =>
        _lastDrive90 != long.MinValue
        && (drive90 < _lastDrive90 - BackwardJump90
            || drive90 > _lastDrive90 + (long)(_options.TimestampJumpThreshold.TotalSeconds * 90_000));

    private void Advance(long drive90)
    {
        if (_lastDrive90 != long.MinValue)
        {
            var delta = drive90 - _lastDrive90;
            if (delta is > 0 and < 90_000)
            {
                _previousInterval90 = _interval90;
                _interval90 = delta;
            }
        }

        _lastDrive90 = drive90;
    }

    private long FrameInterval90()
    {
        if (_interval90 > 0)
        {
            return _interval90;
        }

        if (!VideoDrives && _audioTimeline is not null)
        {
            return _audioTimeline.To90kHz(_audioTimeline.SamplesPerFrame);
        }

        return _videoInfo?.FrameRate is { } rate && rate > 0 ? (long)(90_000 / rate) : 3000;
    }

    private void Start(long start90, DateTimeOffset? wallClock)
    {
        _started = true;
        _periodStart90 = start90;
        _lastDrive90 = long.MinValue;
        OpenSegment(start90, wallClock);
    }

    private void MaybeCut(long time90, bool isKeyframe, DateTimeOffset? wallClock)
    {
        var pending = VideoDrives ? _video.Count : _audio.Count;
        if (_open is null || (pending == 0 && _open.PartCount == 0))
        {
            return;
        }

        var interval = FrameInterval90();
        var cueDue = time90 + (interval / 2) >= _nextCue90 && time90 > _segmentStart90;
        if (isKeyframe && (cueDue || time90 - _segmentStart90 + interval / 2 >= _segmentTarget90))
        {
            // Nothing pending: the last part closed on its last frame (ClosePartsOnLastFrame), and the segment ends
            // where that part does; the new one starts at this keyframe's own time.
            var part = pending > 0 ? ClosePart(time90) : _open.GetPart(_open.PartCount - 1);
            CompleteSegment(pending > 0 ? time90 : _partStart90);
            OpenSegment(time90, wallClock);
            Publish(part, segmentCompleted: true);
        }
        else if (pending > 0 && _partTarget90 > 0 && (time90 + interval - _partStart90 > _partCut90 || (isKeyframe && VideoDrives)))
        {
            // A keyframe inside a segment starts a part of its own (INDEPENDENT=YES): a player joining mid-segment
            // starts from it instead of loading the parts back to the segment's start.
            Publish(ClosePart(time90), segmentCompleted: false);
        }
    }

    private void OpenSegment(long start90, DateTimeOffset? wallClock)
    {
        var msn = _nextMediaSequence++;
        _open = new HlsSegment(_pool, msn, _uris.SegmentUri(msn), ProgramDateTime(start90, wallClock), _pendingDiscontinuity, _mapGeneration, _map, _packager.InitSegment)
        {
            Start90 = start90,
            PresentationStart90 = start90 + (VideoDrives ? _cutOffset90 : 0),
        };
        _pendingDiscontinuity = false;
        _window.Add(_open);
        _segmentStart90 = start90;
        _partStart90 = start90;
        if (_adBreaks.Count > 0)
        {
            PlaceAdBreaks(_open, start90);
        }
    }

    /// <summary>Starts and ends the breaks whose time has come at the segment just opened.</summary>
    private void PlaceAdBreaks(HlsSegment segment, long start90)
    {
        var tolerance = FrameInterval90() / 2;
        foreach (var state in _adBreaks)
        {
            var marker = state.Marker;
            if (state.Out is null && !marker.PostRoll && marker.Start * 90 <= start90 + tolerance)
            {
                Begin(state, segment.MediaSequence, start90, segment.ProgramDateTime);
            }
            else if (state.Out is not null && state.In is null && marker.End is { } end && end * 90 <= start90 + tolerance && segment.MediaSequence > state.Out.MediaSequence)
            {
                Finish(state, segment.MediaSequence, start90);
            }
        }

        UpdateNextCue();
    }

    /// <summary>At the end of the stream: breaks still open end here, post-rolls start here (after the last segment).</summary>
    private void CloseAdBreaks()
    {
        if (_adBreaks.Count == 0 || !_started || _open is null)
        {
            return;
        }

        var pending = VideoDrives ? _video.Count : _audio.Count;
        var end90 = pending > 0 ? _lastDrive90 + FrameInterval90() : _partStart90;
        var after = _open.MediaSequence + 1;
        _cutOffset90 = 0; // after the last frame
        foreach (var state in _adBreaks)
        {
            if (state.Marker.PostRoll && state.Out is null)
            {
                Begin(state, after, end90, ProgramDateTime(end90, null));
            }
            else if (state.Out is not null && state.In is null && !state.Marker.PostRoll)
            {
                Finish(state, after, end90);
            }
        }
    }

    private void Begin(AdBreakState state, long mediaSequence, long start90, DateTimeOffset? startDate)
    {
        var marker = state.Marker;
        var planned90 = (long)(marker.PlannedDuration.TotalSeconds * 90_000);
        var section = Splice(new SpliceInsert(marker.SpliceEventId, OutOfNetwork: true, start90 + _cutOffset90, planned90, AutoReturn: true));
        state.Start90 = start90;
        state.Out = new DateRange
        {
            Id = marker.Id,
            Class = marker.Class,
            StartDate = startDate ?? DateTimeOffset.UnixEpoch,
            PlannedDuration = marker.PlannedDuration.TotalSeconds,
            Scte35Out = section,
            MediaSequence = mediaSequence,
        };
    }

    private void Finish(AdBreakState state, long mediaSequence, long end90)
    {
        var section = Splice(new SpliceInsert(state.Marker.SpliceEventId, OutOfNetwork: false, end90 + _cutOffset90));
        state.In = state.Out! with
        {
            Duration = (end90 - state.Start90) / 90_000.0,
            Scte35Out = ReadOnlyMemory<byte>.Empty,
            Scte35In = section,
            MediaSequence = mediaSequence,
        };
    }

    /// <summary>A splice_info_section, queued for the next part of TS output. Allocates once per break edge.</summary>
    private byte[] Splice(in SpliceInsert command)
    {
        var section = new byte[SpliceInfoSection.GetSize(command)];
        SpliceInfoSection.Write(section, command);
        if (_options.SpliceInfoStream && _options.Format == HlsContainerFormat.MpegTs)
        {
            _pendingSplices.Add(section);
        }

        return section;
    }

    /// <summary>The earliest break edge still to come (90 kHz): a keyframe there cuts a segment.</summary>
    private void UpdateNextCue()
    {
        var next = long.MaxValue;
        foreach (var state in _adBreaks)
        {
            if (state.Marker.PostRoll)
            {
                continue;
            }

            if (state.Out is null)
            {
                next = Math.Min(next, state.Marker.Start * 90);
            }
            else if (state.In is null && state.Marker.End is { } end)
            {
                next = Math.Min(next, end * 90);
            }
        }

        _nextCue90 = next;
    }

    /// <summary>The EXT-X-DATERANGE tags of the breaks whose segments are listed; forgets breaks that left the window.</summary>
    private IReadOnlyList<DateRange> DateRanges(List<MediaSegment> entries, long firstMediaSequence)
    {
        if (_adBreaks.Count == 0)
        {
            return [];
        }

        var lastListed = firstMediaSequence + entries.Count - 1;
        var ranges = new List<DateRange>(2 * _adBreaks.Count);
        for (var i = _adBreaks.Count - 1; i >= 0; i--)
        {
            if (_adBreaks[i].In is { } done && done.MediaSequence < firstMediaSequence)
            {
                _adBreaks.RemoveAt(i); // every segment of the break has left the window
            }
        }

        foreach (var state in _adBreaks)
        {

            if (state.Out is { } start && (start.MediaSequence <= lastListed || _ended)
                && (state.In is null || state.In.MediaSequence > firstMediaSequence))
            {
                ranges.Add(start);
            }

            if (state.In is { } end && (end.MediaSequence <= lastListed || _ended))
            {
                ranges.Add(end);
            }
        }

        // In order of their segments; a stable insertion sort keeps the order they were marked in (few items).
        for (var i = 1; i < ranges.Count; i++)
        {
            var range = ranges[i];
            var j = i - 1;
            while (j >= 0 && ranges[j].MediaSequence > range.MediaSequence)
            {
                ranges[j + 1] = ranges[j];
                j--;
            }

            ranges[j + 1] = range;
        }

        return ranges;
    }

    private DateTimeOffset? ProgramDateTime(long time90, DateTimeOffset? wallClock)
    {
        if (wallClock is { } wall)
        {
            if (_anchorWall is not { } anchor
                || (anchor + Elapsed(time90) - wall).Duration() > _options.ProgramDateTimeResyncThreshold)
            {
                _anchorWall = wall;
                _anchor90 = time90;
            }
        }

        return _anchorWall is { } a ? a + Elapsed(time90) : null;
    }

    private TimeSpan Elapsed(long time90) => TimeSpan.FromTicks((time90 - _anchor90) * (TimeSpan.TicksPerSecond / 10) / 9_000);

    /// <summary>Packages the pending samples before <paramref name="boundary90"/> into the open segment's next part.</summary>
    private HlsPart ClosePart(long boundary90)
    {
        var open = _open!;
        var audio = CollectionsMarshal.AsSpan(_audio);
        var audioCount = 0;
        while (audioCount < audio.Length && audio[audioCount].Dts90 < boundary90)
        {
            audioCount++;
        }

        var audioEnd = audioCount < audio.Length
            ? audio[audioCount].Dts
            : audioCount > 0 ? audio[audioCount - 1].Dts + _audioTimeline!.SamplesPerFrame : 0;

        var data = CollectionsMarshal.AsSpan(_data);
        var dataCount = 0;
        while (dataCount < data.Length && data[dataCount].Pts90 < boundary90)
        {
            dataCount++;
        }

        var video = CollectionsMarshal.AsSpan(_video);
        var input = new PartInput(video, boundary90, audio[..audioCount], audioEnd, data[..dataCount], _partStart90, open.PartCount == 0, CollectionsMarshal.AsSpan(_pendingSplices));
        var (buffer, length) = Package(input);
        _pendingSplices.Clear();

        var independent = VideoDrives ? video.Length > 0 && video[0].IsKeyframe : true;
        var sequence = _nextPartSequence++;
        var part = new HlsPart(open, open.PartCount, sequence, (boundary90 - _partStart90) / 90_000.0, independent, _uris.PartUri(sequence), buffer, length, open.Length);
        open.AddPart(part);

        ReleaseRange(_video, _video.Count);
        ReleaseRange(_audio, audioCount);
        ReleaseRange(_data, dataCount);
        _partStart90 = boundary90;
        return part;
    }

    /// <summary>Writes a part's bytes into a pooled array of their own size class.</summary>
    private (byte[] Buffer, int Length) Package(in PartInput input)
    {
        _output.Reset(_packager.EstimateSize(input));
        _packager.WritePart(_output, input);
        // Copied out: the estimate is generous, and the part stays in memory for the whole window.
        var length = _output.WrittenCount;
        var buffer = _pool.Rent(length);
        _output.WrittenSpan.CopyTo(buffer);
        _output.Clear(); // a few parts per second: the shared pool's per-thread cache makes this cheap, no scratch per stream
        return (buffer, length);
    }

    /// <summary>
    /// The splices still queued when the stream ends after its last part closed on its last frame (a post-roll, or a
    /// break still open): TS packets without media after that part, in the segment's bytes (whole-segment and prefetch
    /// responses, recordings) but in no part, since players may already hold that part and a part never changes.
    /// </summary>
    private void WriteTail()
    {
        if (_pendingSplices.Count == 0)
        {
            return;
        }

        var open = _open!;
        var input = new PartInput([], _partStart90, [], 0, [], _partStart90, firstInSegment: false, CollectionsMarshal.AsSpan(_pendingSplices));
        var (buffer, length) = Package(input);
        _pendingSplices.Clear();
        open.AddTail(new HlsPart(open, open.PartCount, sequence: -1, duration: 0, independent: false, uri: string.Empty, buffer, length, open.Length));
    }

    private void CompleteSegment(long end90)
    {
        var open = _open!;
        _open = null;
        var duration = (end90 - _segmentStart90) / 90_000.0;
        open.Complete(duration, includeParts: _partTarget90 > 0);

        // §4.4.3.1: each EXTINF rounded to the nearest integer must be <= EXT-X-TARGETDURATION. A keyframe
        // interval longer than the target makes longer segments; the target then grows with them.
        _targetDuration = Math.Max(_targetDuration, (int)Math.Round(duration, MidpointRounding.AwayFromZero));

        var complete = 0;
        foreach (var segment in _window)
        {
            complete += segment.IsComplete ? 1 : 0;
        }

        while (complete > _options.WindowSegments)
        {
            var oldest = _window[0];
            _window.RemoveAt(0);
            complete--;

            // §4.4.3.3: the discontinuity sequence counts the EXT-X-DISCONTINUITY tags that left the playlist.
            if (oldest.Discontinuity)
            {
                _discontinuitySequence++;
            }

            oldest.ReleaseFromWindow();
        }

        SpillOlderSegments(complete);
    }

    /// <summary>Moves complete segments older than the newest <see cref="LiveSegmenterOptions.MemorySegments"/> to files.</summary>
    private void SpillOlderSegments(int complete)
    {
        if (_options.SpillDirectory is not { } directory)
        {
            return;
        }

        var toSpill = complete - _options.MemorySegments;
        for (var i = 0; i < _window.Count && toSpill > 0; i++)
        {
            var segment = _window[i];
            if (!segment.IsComplete)
            {
                continue;
            }

            toSpill--;
            segment.SpillInBackground(directory);
        }
    }

    /// <summary>Writes whatever is pending as a last part and completes the open segment.</summary>
    private HlsPart? Flush()
    {
        if (!_started || _open is null)
        {
            return null;
        }

        HlsPart? part = null;
        var pending = VideoDrives ? _video.Count : _audio.Count;
        if (pending > 0)
        {
            // No next frame will come: the last sample gets the last observed frame interval. Audio that starts
            // after that (the audio tail past the last video frame) is dropped rather than stretching the part.
            var end = _lastDrive90 + FrameInterval90();
            part = ClosePart(end);
            CompleteSegment(end);
        }
        else if (_open.PartCount > 0)
        {
            part = _open.GetPart(_open.PartCount - 1); // closed on its last frame: announced again with its segment
            WriteTail();
            CompleteSegment(_partStart90);
        }
        else
        {
            _window.Remove(_open);
            _nextMediaSequence--;
            _open.Release();
            _open = null;
        }

        return part;
    }

    private void StartNewPeriod(VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        if (video is null && audio is null)
        {
            throw new ArgumentException("At least one track is required.");
        }

        var flushed = Flush();
        if (flushed is not null)
        {
            Publish(flushed, segmentCompleted: true);
        }

        ReleasePending();
        _packager.Dispose();
        _videoInfo = video;
        _audioInfo = audio;
        _mapGeneration++;
        _packager = CreatePackager();
        _pendingDiscontinuity = _nextMediaSequence > _options.FirstMediaSequence;
        _started = false;
        _lastDrive90 = long.MinValue;
        _interval90 = 0;
        _previousInterval90 = 0;
        _lastKeyframe90 = long.MinValue;
        _keyframeInterval90 = 0;
        _anchorWall = null;
    }

    private SegmentPackager CreatePackager()
    {
        var samplesPerFrame = 1024;
        if (_audioInfo is not null)
        {
            if (AdtsHeader.TryCreate(_audioInfo.AudioSpecificConfig, out var adts))
            {
                samplesPerFrame = adts.SamplesPerFrame;
            }

            _audioTimeline = new AudioTimeline(_audioInfo.SampleRate, samplesPerFrame);
        }
        else
        {
            _audioTimeline = null;
        }

        if (_options.Format == HlsContainerFormat.Fmp4)
        {
            _map = new MapTag(_uris.InitUri(_mapGeneration));
            return new Fmp4SegmentPackager(_videoInfo, _audioInfo, samplesPerFrame, _options.MetadataOwner, _options.WriteSegmentType, _pool);
        }

        _map = null;
        return new TsSegmentPackager(_videoInfo, _audioInfo, samplesPerFrame, _options.MetadataOwner, _pool, _options.SpliceInfoStream);
    }

    private void Publish(HlsPart? part, bool segmentCompleted)
    {
        var segments = _window.ToArray();
        var partCounts = new int[segments.Length];
        var entries = new List<MediaSegment>(segments.Length);
        long peak = 0;
        double bits = 0;
        double seconds = 0;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            partCounts[i] = segment.PartCount;
            if (segment.IsComplete)
            {
                entries.Add(segment.PlaylistEntry!);
                if (segment.Duration > 0)
                {
                    peak = Math.Max(peak, (long)(segment.Length * 8 / segment.Duration));
                    bits += segment.Length * 8.0;
                    seconds += segment.Duration;
                }
            }
            else if (segment.PartCount > 0 && _partTarget90 > 0)
            {
                entries.Add(segment.CreateOpenEntry());
            }
        }

        var lastComplete = segments.Length > 0 && segments[^1].IsComplete;
        var nextPartUri = _ended ? null : _uris.PartUri(_nextPartSequence);
        var snapshot = new HlsStreamSnapshot(
            ++_version,
            BuildPlaylist(entries),
            segments,
            partCounts,
            _nextPartSequence,
            nextPartUri,
            _ended,
            peak,
            seconds > 0 ? (long)(bits / seconds) : 0,
            lastComplete);
        Volatile.Write(ref _snapshot, snapshot);

        if (part is not null)
        {
            PartCompleted?.Invoke(new HlsPartCompleted(snapshot, part.Sequence, part.Segment.MediaSequence, part.Index, segmentCompleted));
        }
    }

    private MediaPlaylist BuildPlaylist(List<MediaSegment> entries)
    {
        var lowLatency = _partTarget90 > 0;
        var partTarget = _partTarget90 / 90_000.0;
        ServerControl? control = null;
        if (lowLatency || _options.DeltaUpdates)
        {
            // §4.4.3.8: PART-HOLD-BACK >= 2 x PART-TARGET; HOLD-BACK >= 3 x TARGETDURATION;
            // CAN-SKIP-UNTIL >= 6 x TARGETDURATION.
            control = new ServerControl(
                CanBlockReload: lowLatency,
                PartHoldBack: lowLatency ? Math.Round(partTarget * _options.PartHoldBackParts, 3) : null,
                HoldBack: 3.0 * _targetDuration,
                CanSkipUntil: _options.DeltaUpdates ? 6.0 * _targetDuration : null);
        }

        var hints = lowLatency && !_ended && _started
            ? new[] { new PreloadHint(PreloadHintType.Part, _uris.PartUri(_nextPartSequence)) }
            : [];

        var mediaSequence = _window.Count > 0 ? _window[0].MediaSequence : _nextMediaSequence;
        return new MediaPlaylist
        {
            Version = _options.Format == HlsContainerFormat.Fmp4 ? 6 : 3,
            TargetDuration = _targetDuration,
            MediaSequence = mediaSequence,
            DiscontinuitySequence = _discontinuitySequence,
            IndependentSegments = true,
            PartTarget = lowLatency ? partTarget : null,
            ServerControl = control,
            Segments = entries,
            DateRanges = DateRanges(entries, mediaSequence),
            PreloadHints = hints,
            EndList = _ended,
        };
    }

    private void ReleasePending()
    {
        ReleaseRange(_video, _video.Count);
        ReleaseRange(_audio, _audio.Count);
        ReleaseRange(_data, _data.Count);
    }

    private static void ReleaseRange(List<PendingVideo> list, int count)
    {
        for (var i = 0; i < count; i++)
        {
            list[i].Frame.Release();
        }

        list.RemoveRange(0, count);
    }

    private static void ReleaseRange(List<PendingAudio> list, int count)
    {
        for (var i = 0; i < count; i++)
        {
            list[i].Frame.Release();
        }

        list.RemoveRange(0, count);
    }

    private static void ReleaseRange(List<PendingData> list, int count)
    {
        for (var i = 0; i < count; i++)
        {
            list[i].Frame.Release();
        }

        list.RemoveRange(0, count);
    }

    /// <summary>One marked ad break and the tags it has so far.</summary>
    private sealed class AdBreakState(AdBreakMarker marker)
    {
        public AdBreakMarker Marker { get; set; } = marker;

        public long Start90 { get; set; }

        /// <summary>The tag of the start (SCTE35-OUT); null until the break has started.</summary>
        public DateRange? Out { get; set; }

        /// <summary>The tag of the end (SCTE35-IN, DURATION); null until the break has ended.</summary>
        public DateRange? In { get; set; }
    }
}
