using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// One rendition of a recording (<c>media/hls/&lt;height&gt;p&lt;fps&gt;/</c>). Either the playback packager's
/// segments are written as they are (LOW latency channels: segments of max(keyframe interval, 2 s)), or frames go
/// through a <see cref="LiveSegmenter"/> of its own cutting at every keyframe; each segment is appended to the open media
/// file in the spool (one byte-range entry), and a file of about <see cref="RecordingOptions.MediaFileTarget"/>
/// is closed, queued for the destination, and followed by both rendition playlists. Every step is journaled,
/// so <see cref="Restore"/> can finish the rendition after a crash.
/// </summary>
/// <remarks>Single-threaded: the recorder's pump (or recovery) only.</remarks>
internal sealed class RenditionRecorder : IDisposable
{
    // A keyframe interval at 2.5 Mbps is about 700 KB. The shared pool keeps few arrays that large, so every
    // segment would be a new large-object allocation (and a gen 2 collection later): a pool of its own recycles
    // them. Each recording holds only a few at a time (the segmenter's window is three keyframe intervals).
    private static readonly ArrayPool<byte> SegmentPool = ArrayPool<byte>.Create(maxArrayLength: 16 * 1024 * 1024, maxArraysPerBucket: 256);
    private readonly SpooledRecording _spool;
    private readonly RecordingSpool _limits;
    private readonly IRecordingContainer _container;
    private readonly double _fileTarget;
    private readonly TimeProvider _time;
    private readonly List<RecordedEntry> _entries = [];
    private readonly List<RecordedEntry> _files = []; // one per closed media file: offset 0, whole length and duration
    private LiveSegmenter? _segmenter;
    private int _segmenterNumber;
    private (int Segmenter, int Generation) _period = (-1, -1);
    private int _map = -1;
    private bool _discontinuityNext;
    private FileStream? _current;
    private double _currentDuration;
    private int _fileIndex;
    private Exception? _failure;
    private bool _finishing;
    private readonly AdBreakFollower _adBreakFollower = new();
    // Ad-break tags (EXT-X-DATERANGE) by the index in _entries of the segment they precede (_entries.Count: after the last).
    private readonly List<(int Entry, DateRange Range)> _dateRanges = [];
    private readonly HashSet<DateRange> _dateRangesSeen = [];

    public RenditionRecorder(SpooledRecording spool, RecordingSpool limits, IRecordingContainer container, TimeSpan fileTarget, TimeProvider time, string name, int width, int height, string codecs)
    {
        _time = time;
        _spool = spool;
        _limits = limits;
        _container = container;
        _fileTarget = fileTarget.TotalSeconds;
        Name = name;
        Width = width;
        Height = height;
        Codecs = codecs;
    }

    /// <summary>The folder name, <c>&lt;height&gt;p&lt;fps&gt;</c> (IVS: <c>720p30</c>).</summary>
    public string Name { get; }

    public int Width { get; }

    public int Height { get; }

    public string Codecs { get; }

    public IRecordingContainer Container => _container;

    /// <summary>TS files carry the SCTE-35 splice_insert of ad breaks (the channel has an ad configuration).</summary>
    public bool SpliceInfoStream { get; init; }

    /// <summary>Recorded media, closed files and the open one.</summary>
    public double DurationSeconds => _entries.Sum(e => e.Duration);

    /// <summary>Peak bits per second of the closed media files (the variant's BANDWIDTH).</summary>
    public long PeakBitrate => _files.Count == 0 ? 0 : _files.Max(f => f.Duration > 0 ? (long)(f.Length * 8 / f.Duration) : 0);

    public int ClosedFiles => _files.Count;

    /// <summary>Raised after a media file and the playlists that list it are queued.</summary>
    public event Action<RenditionRecorder>? FileClosed;

    public JsonObject Describe() => new()
    {
        ["k"] = "rendition",
        ["name"] = Name,
        ["width"] = Width,
        ["height"] = Height,
        ["codecs"] = Codecs,
        ["fmp4"] = _container.Format == HlsContainerFormat.Fmp4,
    };

    /// <summary>Starts a period (the first, or after a reconnect, a gap or a configuration change) at the next keyframe.</summary>
    public void BeginPeriod(VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        EndPeriod();
        _segmenter = new LiveSegmenter(
            new LiveSegmenterOptions
            {
                Format = _container.Format,
                SegmentTarget = TimeSpan.FromSeconds(1), // below any usual keyframe interval: one segment per keyframe
                PartTarget = null,
                WindowSegments = 3,
                DeltaUpdates = false,
                BufferPool = SegmentPool,
                SpliceInfoStream = SpliceInfoStream,
            },
            video,
            audio);
        _segmenterNumber++;
        _adBreakFollower.Reset();
        _segmenter.PartCompleted += OnPartCompleted;
        _discontinuityNext = _entries.Count > 0;
    }

    public bool HasPeriod => _segmenter is not null;

    /// <summary>Marks the stream's ad breaks in the period's segments (call before each frame and before the period ends).</summary>
    public void FollowAdBreaks(LiveStream stream)
    {
        if (_segmenter is { } segmenter)
        {
            _adBreakFollower.Follow(stream, segmenter);
        }
    }

    /// <summary>
    /// Starts a period fed with the playback packager's segments (<see cref="AppendPackaged"/>) instead of a segmenter
    /// of its own: the same bytes the live playlist serves, written to the media file without muxing them again.
    /// </summary>
    public void BeginPackagedPeriod()
    {
        EndPeriod();
        _segmenterNumber++;
        _discontinuityNext = _entries.Count > 0;
    }

    /// <summary>One complete segment of the packager (one byte-range entry).</summary>
    public void AppendPackaged(PackagedSegment segment)
    {
        Append(segment.Segment, segment.Data);
        KeepDateRanges(segment.DateRanges, segment.Segment.MediaSequence);
    }

    /// <summary>The packager's last ad-break tags (a break still open, the post-roll): after the last entry.</summary>
    public void EndPackaged(IReadOnlyList<DateRange> finalDateRanges) => KeepDateRanges(finalDateRanges, long.MaxValue);

    public void Write(MediaFrame frame, DateTimeOffset wallClock)
    {
        _segmenter?.Write(frame, wallClock);
        ThrowIfFailed();
    }

    /// <summary>Flushes the period's last keyframe interval and closes the open media file.</summary>
    public void EndPeriod()
    {
        if (_segmenter is { } segmenter)
        {
            _segmenter = null;
            try
            {
                segmenter.Complete();
                KeepDateRanges(segmenter.Snapshot.Playlist.DateRanges, long.MaxValue); // a break still open ends here; a post-roll follows
            }
            finally
            {
                segmenter.Dispose();
            }

            ThrowIfFailed();
        }

        CloseFile();
    }

    /// <summary>Ends the rendition: the last file, then both playlists as VOD with EXT-X-ENDLIST.</summary>
    public void Complete(DateTimeOffset now)
    {
        EndPeriod();
        _finishing = true;
        WritePlaylists(ended: true, now);
    }

    /// <summary>
    /// Ends a failed recording with what is safely written: the segmenter's unfinished interval is dropped, the
    /// open file is cut back to its last complete keyframe interval and queued, and the playlists are closed.
    /// Small files go in even over the spool limit. Throws when even that cannot be written (a full disk).
    /// </summary>
    public void Abandon(DateTimeOffset now)
    {
        _finishing = true;
        _segmenter?.Dispose();
        _segmenter = null;
        if (_current is { } current)
        {
            var end = _entries.Where(e => e.File == _fileIndex).Select(e => e.Offset + e.Length).DefaultIfEmpty(0).Max();
            if (end == 0)
            {
                Discard();
            }
            else
            {
                current.SetLength(end);
                CloseFile();
            }
        }

        WritePlaylists(ended: true, now);
    }

    /// <summary>Drops the open file and the segmenter without queueing anything.</summary>
    public void Discard()
    {
        _segmenter?.Dispose();
        _segmenter = null;
        if (_current is { } current)
        {
            _current = null;
            _currentDuration = 0;
            var length = current.Length;
            current.Dispose();
            File.Delete(current.Name);
            _limits.Free(length);
        }
    }

    public void Dispose() => Discard();

    /// <summary>
    /// Rebuilds a rendition from its journal lines after a crash: closed files stay as they are, and the file
    /// that was open is cut back to its last journaled keyframe interval (a partly written one is not listed).
    /// </summary>
    public void Restore(IEnumerable<JsonObject> journal)
    {
        foreach (var line in journal)
        {
            if ((string?)line["r"] != Name)
            {
                continue;
            }

            switch ((string?)line["k"])
            {
                case "seg":
                    _entries.Add(new RecordedEntry(
                        (int)line["f"]!, (long)line["o"]!, (long)line["l"]!, (double)line["d"]!,
                        line["t"] is { } t ? DateTimeOffset.Parse((string)t!, CultureInfo.InvariantCulture) : null,
                        (bool)line["disc"]!, (int)line["map"]!));
                    _map = Math.Max(_map, (int)line["map"]!);
                    break;
                case "file":
                    var index = (int)line["f"]!;
                    var leftInWork = _spool.WorkFile(Path.Combine(Name, _container.MediaFileName(index)));
                    if (File.Exists(leftInWork))
                    {
                        _limits.Reserve(new FileInfo(leftInWork).Length);
                        _spool.EnqueueFile(Path.Combine("media/hls", Name, _container.MediaFileName(index)).Replace('\\', '/'), leftInWork);
                    }

                    _files.Add(Summarize(index));
                    _fileIndex = index + 1;
                    break;
            }
        }

        var open = _entries.Where(e => e.File == _fileIndex).ToList();
        var path = _spool.WorkFile(Path.Combine(Name, _container.MediaFileName(_fileIndex)));
        if (open.Count == 0 || !File.Exists(path))
        {
            _entries.RemoveAll(e => e.File >= _fileIndex);
            return;
        }

        var end = open[^1].Offset + open[^1].Length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            if (file.Length < end)
            {
                // The journal got ahead of the data (cannot happen with the write order, but never list missing bytes).
                _entries.RemoveAll(e => e.File == _fileIndex && e.Offset + e.Length > file.Length);
                end = _entries.Where(e => e.File == _fileIndex).Select(e => e.Offset + e.Length).DefaultIfEmpty(0).Max();
            }

            file.SetLength(end);
        }

        _limits.Reserve(end);
        _current = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _currentDuration = _entries.Where(e => e.File == _fileIndex).Sum(e => e.Duration);
    }

    private void OnPartCompleted(HlsPartCompleted completed)
    {
        // Runs inside LiveSegmenter.Write, which must not see exceptions: keep the first and rethrow after.
        if (!completed.SegmentCompleted || _failure is not null)
        {
            return;
        }

        try
        {
            var snapshot = completed.Snapshot;
            HlsSegment? segment = null;
            foreach (var s in snapshot.Segments)
            {
                if (s.MediaSequence == completed.MediaSequence)
                {
                    segment = s;
                }
            }

            if (segment is null || !snapshot.TryAcquireSegment(completed.MediaSequence, out var lease))
            {
                return;
            }

            using (lease)
            {
                Append(segment, lease.Data);
            }

            KeepDateRanges(snapshot.Playlist.DateRanges, completed.MediaSequence);
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    /// <summary>Keeps the ad-break tags of the segments recorded so far (up to <paramref name="upTo"/>), each once.</summary>
    private void KeepDateRanges(IReadOnlyList<DateRange> ranges, long upTo)
    {
        foreach (var range in ranges)
        {
            if (range.MediaSequence <= upTo && _dateRangesSeen.Add(range))
            {
                // Before the segment just appended, or after the last one when the period has ended.
                _dateRanges.Add((upTo == long.MaxValue ? _entries.Count : Math.Max(0, _entries.Count - 1), range));
            }
        }
    }

    private void Append(HlsSegment segment, ReadOnlySequence<byte> data)
    {
        var period = (_segmenterNumber, segment.MapGeneration);
        var discontinuity = false;
        if (period != _period)
        {
            // A new period (reconnect, gap, new configuration, timestamp jump): new file and, for fMP4, a new init segment.
            CloseFile();
            discontinuity = _discontinuityNext || _period.Segmenter == _segmenterNumber;
            _discontinuityNext = false;
            _period = period;
            _map++;
            if (_container.InitFileName(_map) is { } initName && !_spool.EnqueueBytes(RelativeKey(initName), segment.InitSegment.Span))
            {
                throw new RecordingSpoolFullException();
            }
        }

        if (!_limits.TryReserve(data.Length))
        {
            throw new RecordingSpoolFullException();
        }

        _current ??= new FileStream(_spool.WorkFile(Path.Combine(Name, _container.MediaFileName(_fileIndex))), FileMode.Create, FileAccess.Write, FileShare.Read);
        var offset = _current.Position;
        foreach (var memory in data)
        {
            _current.Write(memory.Span);
        }

        _current.Flush();
        var entry = new RecordedEntry(_fileIndex, offset, data.Length, segment.Duration, segment.ProgramDateTime, discontinuity, _map);
        _entries.Add(entry);
        var line = new JsonObject
        {
            ["k"] = "seg",
            ["r"] = Name,
            ["f"] = entry.File,
            ["o"] = entry.Offset,
            ["l"] = entry.Length,
            ["d"] = entry.Duration,
            ["disc"] = entry.Discontinuity,
            ["map"] = entry.Map,
        };
        if (entry.ProgramDateTime is { } pdt)
        {
            line["t"] = pdt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        _spool.Journal(line);
        _currentDuration += entry.Duration;
        if (_currentDuration >= _fileTarget - 0.001)
        {
            CloseFile();
        }
    }

    private void CloseFile()
    {
        if (_current is null)
        {
            return;
        }

        var path = _current.Name;
        _current.Dispose();
        _current = null;
        _currentDuration = 0;
        var index = _fileIndex++;
        _spool.Journal(new JsonObject { ["k"] = "file", ["r"] = Name, ["f"] = index });
        _spool.EnqueueFile(RelativeKey(_container.MediaFileName(index)), path);
        _files.Add(Summarize(index));
        WritePlaylists(ended: false, _time.GetUtcNow());
        FileClosed?.Invoke(this);
    }

    private RecordedEntry Summarize(int index)
    {
        var entries = _entries.Where(e => e.File == index).ToList();
        return new RecordedEntry(
            index, 0, entries.Sum(e => e.Length), entries.Sum(e => e.Duration),
            entries.FirstOrDefault()?.ProgramDateTime, entries.FirstOrDefault()?.Discontinuity ?? false, entries.FirstOrDefault()?.Map ?? 0);
    }

    /// <summary>playlist.m3u8 (one entry per media file) and byte-range-variant.m3u8 (one per keyframe interval), listing closed files only.</summary>
    private void WritePlaylists(bool ended, DateTimeOffset now)
    {
        var ranges = _entries.Where(e => e.File < _fileIndex).ToList();
        if (!_spool.EnqueueBytes(RelativeKey("playlist.m3u8"), Playlist(_files, byteRanges: false, ended, now), _finishing)
            || !_spool.EnqueueBytes(RelativeKey("byte-range-variant.m3u8"), Playlist(ranges, byteRanges: true, ended, now), _finishing))
        {
            throw new RecordingSpoolFullException();
        }
    }

    private byte[] Playlist(List<RecordedEntry> entries, bool byteRanges, bool ended, DateTimeOffset now)
    {
        var segments = entries.Select(e => new MediaSegment
        {
            Uri = _container.MediaFileName(e.File),
            Duration = e.Duration,
            ProgramDateTime = e.ProgramDateTime,
            Discontinuity = e.Discontinuity,
            Map = _container.InitFileName(e.Map) is { } init ? new MapTag(init) : null,
            ByteRange = byteRanges ? new ByteRange(e.Length, e.Offset) : null,
        }).ToList();
        var dateRanges = new List<DateRange>();
        foreach (var (entry, range) in _dateRanges)
        {
            // byte-range-variant lists every keyframe interval of the closed files; playlist.m3u8 one line per file.
            var index = byteRanges ? entry : entry < _entries.Count ? _entries[entry].File : _files.Count;
            if (index < entries.Count || ended)
            {
                dateRanges.Add(range with { MediaSequence = index });
            }
        }

        var playlist = new MediaPlaylist
        {
            Version = 3,
            TargetDuration = Math.Max(1, (int)Math.Ceiling(entries.Select(e => e.Duration).DefaultIfEmpty(0).Max() - 0.0005)),
            MediaSequence = 0,
            Type = ended ? PlaylistType.Vod : PlaylistType.Event,
            Segments = segments,
            DateRanges = dateRanges,
            EndList = ended,
        };
        var buffer = new ArrayBufferWriter<byte>(256 + (segments.Count * 128));
        MediaPlaylistWriter.Write(buffer, playlist);

        // IVS's own header tags (ivs-behavior.md 5.3) after EXT-X-TARGETDURATION; players ignore unknown tags.
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        var total = entries.Sum(e => e.Duration);
        var ivsTags = string.Create(CultureInfo.InvariantCulture,
            $"#ID3-EQUIV-TDTG:{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss}\n#EXT-X-TWITCH-ELAPSED-SECS:0.000\n#EXT-X-TWITCH-TOTAL-SECS:{total:0.000}\n");
        var at = text.IndexOf('\n', text.IndexOf("#EXT-X-TARGETDURATION:", StringComparison.Ordinal)) + 1;
        return Encoding.UTF8.GetBytes(text.Insert(at, ivsTags));
    }

    private string RelativeKey(string file) => $"media/hls/{Name}/{file}";

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            _failure = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
