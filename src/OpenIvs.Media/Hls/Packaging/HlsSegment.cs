using System.Buffers;
using Microsoft.Win32.SafeHandles;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// A media segment in the live window: its parts, and once complete its duration and URI. The segmenter
/// appends parts from its writer thread; readers on other threads see a consistent prefix of them.
/// </summary>
/// <remarks>
/// Reference counted: the window holds one reference, each <see cref="HlsMediaLease"/> one more. The part
/// buffers return to the pool when the count reaches zero, so a response still sending a segment that has
/// just slid out of the window keeps its bytes. A complete segment can be moved to a file (<see cref="SpillInBackground"/>):
/// the window's reference then passes to the file, the buffers go back to the pool once the leases still
/// reading them end, and later leases read their bytes from the file.
/// </remarks>
public sealed class HlsSegment
{
    private readonly ArrayPool<byte> _pool;
    private HlsPart[] _parts = new HlsPart[8];
    private int _partCount;
    private HlsPart? _tail;
    private int _references = 1;
    private long _length;
    private readonly Lock _spillLock = new();
    private SafeFileHandle? _file;
    private int _fileReferences;
    private bool _spillStarted; // writer thread only
    private bool _leftWindow;

    internal HlsSegment(ArrayPool<byte> pool, long mediaSequence, string uri, DateTimeOffset? programDateTime, bool discontinuity, int mapGeneration, MapTag? map, ReadOnlyMemory<byte> initSegment)
    {
        _pool = pool;
        MediaSequence = mediaSequence;
        Uri = uri;
        ProgramDateTime = programDateTime;
        Discontinuity = discontinuity;
        MapGeneration = mapGeneration;
        Map = map;
        InitSegment = initSegment;
    }

    public long MediaSequence { get; }

    /// <summary>Decode time of the segment's first frame, in 90 kHz units (the segmenter's clock).</summary>
    internal long Start90 { get; init; }

    /// <summary>Presentation time of the segment's first frame (its keyframe), in 90 kHz units.</summary>
    internal long PresentationStart90 { get; init; }

    /// <summary>The URI the segment will have once complete.</summary>
    public string Uri { get; }

    public DateTimeOffset? ProgramDateTime { get; }

    /// <summary>An EXT-X-DISCONTINUITY precedes this segment.</summary>
    public bool Discontinuity { get; }

    /// <summary>Which init segment (EXT-X-MAP) this segment needs; increases at each discontinuity.</summary>
    public int MapGeneration { get; }

    /// <summary>The init segment bytes for fMP4 (empty for TS). Immutable, never pooled.</summary>
    public ReadOnlyMemory<byte> InitSegment { get; }

    internal MapTag? Map { get; }

    /// <summary>True once the segment's last part is written.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Duration in seconds (sum of the parts).</summary>
    public double Duration { get; private set; }

    /// <summary>Total bytes of the parts so far, and of the tail once there is one.</summary>
    public long Length => Volatile.Read(ref _length);

    /// <summary>Parts published so far.</summary>
    public int PartCount => Volatile.Read(ref _partCount);

    internal MediaSegment? PlaylistEntry { get; private set; }

    /// <summary>
    /// Bytes after the last part that no part lists: TS packets without media (a splice_insert due when the stream
    /// ended after its last part had closed). Set before the segment completes; part of the segment's bytes only.
    /// </summary>
    public bool HasTail => Volatile.Read(ref _tail) is not null;

    /// <summary>The bytes are in a file (<see cref="SpillInBackground"/>), no longer in memory.</summary>
    public bool IsSpilled => Volatile.Read(ref _fileReferences) > 0 || (Volatile.Read(ref _file) is not null);

    /// <summary>Gets a published part; <paramref name="index"/> must be below a <see cref="PartCount"/> read earlier.</summary>
    public HlsPart GetPart(int index)
    {
        var count = Volatile.Read(ref _partCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)count, nameof(index));
        return Volatile.Read(ref _parts)[index];
    }

    /// <summary>Takes a reference unless the segment has already been freed.</summary>
    public bool TryAcquire()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Drops a reference; the last one returns every part buffer to the pool.</summary>
    public void Release()
    {
        var remaining = Interlocked.Decrement(ref _references);
        if (remaining > 0)
        {
            return;
        }

        if (remaining < 0)
        {
            throw new InvalidOperationException("HlsSegment released more times than acquired.");
        }

        var count = Volatile.Read(ref _partCount);
        var parts = Volatile.Read(ref _parts);
        for (var i = 0; i < count; i++)
        {
            _pool.Return(parts[i].Buffer);
        }

        if (Volatile.Read(ref _tail) is { } tail)
        {
            _pool.Return(tail.Buffer);
        }
    }

    /// <summary>Leases the tail (<see cref="HasTail"/>) of a complete segment; false when there is none or it was freed.</summary>
    public bool TryLeaseTail(out HlsMediaLease lease)
    {
        lease = default;
        return IsComplete && Volatile.Read(ref _tail) is { } tail && TryLease(tail, tail, out lease);
    }

    /// <summary>
    /// Leases <paramref name="partCount"/> parts from <paramref name="firstPart"/> (one part, or the whole segment with
    /// <paramref name="withTail"/>): from memory while the buffers are there, else read from the spill file into a
    /// buffer the lease owns. False once freed.
    /// </summary>
    internal bool TryLease(int firstPart, int partCount, bool withTail, out HlsMediaLease lease)
    {
        if (partCount == 0)
        {
            lease = default;
            if (!TryAcquire())
            {
                return false;
            }

            lease = new HlsMediaLease(this, ReadOnlySequence<byte>.Empty);
            return true;
        }

        var parts = Volatile.Read(ref _parts);
        var last = withTail && Volatile.Read(ref _tail) is { } tail ? tail : parts[firstPart + partCount - 1];
        return TryLease(parts[firstPart], last, out lease);
    }

    /// <summary>Leases the bytes from <paramref name="first"/> to <paramref name="last"/> (linked nodes of this segment).</summary>
    private bool TryLease(HlsPart first, HlsPart last, out HlsMediaLease lease)
    {
        if (TryAcquire())
        {
            lease = new HlsMediaLease(this, Sequence(first, last));
            return true;
        }

        lease = default;
        var current = Volatile.Read(ref _fileReferences);
        while (true)
        {
            if (current <= 0)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _fileReferences, current + 1, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        try
        {
            var length = (int)(last.Offset + last.Length - first.Offset);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(Volatile.Read(ref _file)!, buffer.AsSpan(read, length - read), first.Offset + read);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return false;
                }

                read += n;
            }

            lease = new HlsMediaLease(buffer, length);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            ReleaseFile();
        }
    }

    /// <summary>
    /// Starts writing the complete segment to a new file in <paramref name="directory"/> on a thread-pool thread (disk
    /// writes can block, and the writer thread packages every stream); once written, later leases read the file and
    /// the buffers go back to the pool. The file is deleted when the segment is freed. Writer thread only, while the
    /// window holds the segment; if the file cannot be written the bytes stay in memory.
    /// </summary>
    internal void SpillInBackground(string directory)
    {
        if (!IsComplete || _spillStarted || !TryAcquire())
        {
            return;
        }

        _spillStarted = true; // the reference just taken keeps the buffers while they are written
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.segment.Spill(state.directory), (segment: this, directory), preferLocal: false);
    }

    private void Spill(string directory)
    {
        SafeFileHandle? file = null;
        try
        {
            file = File.OpenHandle(Path.Combine(directory, $"{Guid.NewGuid():N}.seg"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.Read | FileShare.Delete, FileOptions.DeleteOnClose, preallocationSize: _length);
            for (var i = 0; i < _partCount; i++)
            {
                RandomAccess.Write(file, _parts[i].Memory.Span, _parts[i].Offset);
            }

            if (_tail is { } tail)
            {
                RandomAccess.Write(file, tail.Memory.Span, tail.Offset);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            file = null;
        }

        var handedOver = false;
        lock (_spillLock)
        {
            if (file is not null && !_leftWindow)
            {
                _file = file;
                Volatile.Write(ref _fileReferences, 1); // the window's, handed over from the buffers
                handedOver = true;
            }
        }

        if (!handedOver)
        {
            file?.Dispose(); // failed, or the segment left the window meanwhile
        }

        Release(); // the writer's reference
        if (handedOver)
        {
            Release(); // the window's reference to the buffers
        }
    }

    /// <summary>Drops the window's reference (to the buffers, or to the file once spilled).</summary>
    internal void ReleaseFromWindow()
    {
        bool spilled;
        lock (_spillLock)
        {
            _leftWindow = true;
            spilled = _file is not null;
        }

        if (spilled)
        {
            ReleaseFile();
        }
        else
        {
            Release();
        }
    }

    private void ReleaseFile()
    {
        if (Interlocked.Decrement(ref _fileReferences) == 0)
        {
            _file!.Dispose();
        }
    }

    /// <summary>The whole segment as one sequence over its parts and tail (call with a reference held, on a complete segment).</summary>
    public ReadOnlySequence<byte> GetSequence()
    {
        var count = Volatile.Read(ref _partCount);
        if (count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var parts = Volatile.Read(ref _parts);
        return Sequence(parts[0], Volatile.Read(ref _tail) ?? parts[count - 1]);
    }

    /// <summary>The bytes from <paramref name="first"/> through <paramref name="last"/>, linked nodes of this segment.</summary>
    private static ReadOnlySequence<byte> Sequence(HlsPart first, HlsPart last) => first == last
        ? new ReadOnlySequence<byte>(first.Memory)
        : new ReadOnlySequence<byte>(first.Node, 0, last.Node, last.Node.Memory.Length);

    internal void AddPart(HlsPart part)
    {
        var count = _partCount;
        var parts = _parts;
        if (count == parts.Length)
        {
            var grown = new HlsPart[parts.Length * 2];
            parts.CopyTo(grown, 0);
            parts = grown;
        }

        parts[count] = part;
        if (count > 0)
        {
            parts[count - 1].Node.Link(part.Node);
        }

        Volatile.Write(ref _parts, parts);
        Volatile.Write(ref _length, _length + part.Length);
        Volatile.Write(ref _partCount, count + 1);
    }

    /// <summary>Appends the tail (<see cref="HasTail"/>) after the last part, before the segment completes.</summary>
    internal void AddTail(HlsPart tail)
    {
        if (_partCount == 0 || IsComplete || _tail is not null)
        {
            throw new InvalidOperationException("A tail follows the last part of an incomplete segment, once.");
        }

        _parts[_partCount - 1].Node.Link(tail.Node);
        Volatile.Write(ref _tail, tail);
        Volatile.Write(ref _length, _length + tail.Length);
    }

    internal void Complete(double duration, bool includeParts)
    {
        Duration = duration;
        var entries = new PartialSegment[includeParts ? _partCount : 0];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = _parts[i].PlaylistEntry;
        }

        PlaylistEntry = new MediaSegment
        {
            Uri = Uri,
            Duration = duration,
            ProgramDateTime = ProgramDateTime,
            Discontinuity = Discontinuity,
            Map = Map,
            Parts = entries,
        };
        IsComplete = true;
    }

    /// <summary>The playlist entry of the incomplete segment: its tags and parts so far.</summary>
    internal MediaSegment CreateOpenEntry()
    {
        var entries = new PartialSegment[_partCount];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = _parts[i].PlaylistEntry;
        }

        return new MediaSegment
        {
            ProgramDateTime = ProgramDateTime,
            Discontinuity = Discontinuity,
            Map = Map,
            Parts = entries,
        };
    }
}
