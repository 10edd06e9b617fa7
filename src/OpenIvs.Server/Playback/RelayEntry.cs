using System.Buffers;

namespace OpenIvs.Server.Playback;

/// <summary>
/// One resource of a relayed stream (a part, segment, init segment or playlist) fetched once from the holder for
/// every viewer that asks for it. The first asker starts the fetch; every viewer is answered as soon as the holder's
/// headers are in, and is given the body as it arrives (a prefetch segment, streamed by the holder while it is
/// written, reaches the viewers part by part): a late joiner gets what has arrived so far, then the rest. The body
/// sits in pooled chunks (one of the declared length when the holder declares it) that go back once the entry has
/// left the cache, its fetch has ended and its last viewer has been answered (each holds a reference while it writes).
/// </summary>
internal sealed class RelayEntry
{
    private const int FirstChunk = 16 * 1024;
    private const int LargestChunk = 256 * 1024;

    private readonly TaskCompletionSource _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<RelayReader> _waiting = [];
    private readonly ArrayPool<byte> _pool;
    private readonly Action<long> _accountBytes;

    // Written by the fetch alone; read by viewers under the gate, never beyond _length.
    private byte[][] _chunks = [];
    private int _chunkCount;
    private long _lastChunkStart;
    private long _length;
    private bool _ended;
    private bool _failed;

    private int _references = 1; // the cache's own, released when the entry leaves the cache
    private int _started;
    private int _freed;
    private long _lastUsed;

    public RelayEntry(string kind, TimeSpan linger, long now, ArrayPool<byte> pool, Action<long> accountBytes)
    {
        Kind = kind;
        Linger = linger;
        _lastUsed = now;
        _pool = pool;
        _accountBytes = accountBytes;
    }

    /// <summary>multivariant, playlist, part, segment or init.</summary>
    public string Kind { get; }

    /// <summary>How long a complete entry stays in the cache after its last use (zero: only while in flight).</summary>
    public TimeSpan Linger { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last request for it.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>The holder's HTTP status; 0 when the holder could not be reached.</summary>
    public int Status { get; private set; }

    public string? ContentType { get; private set; }

    public string? CacheControl { get; private set; }

    public string? RetryAfter { get; private set; }

    /// <summary>The holder's Content-Length; null for a body streamed while it is produced (chunked).</summary>
    public long? DeclaredLength { get; private set; }

    /// <summary>Bytes of the body received so far.</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    /// <summary>The body's length once it has all arrived (null before, or when it was cut).</summary>
    public long? CompleteLength
    {
        get
        {
            lock (_gate)
            {
                return _ended && !_failed ? _length : null;
            }
        }
    }

    /// <summary>Whether the body was cut before its end (the holder went away or aborted it): viewers are cut too.</summary>
    public bool Failed
    {
        get
        {
            lock (_gate)
            {
                return _failed;
            }
        }
    }

    /// <summary>Completes once the status and headers are known (or the holder could not be reached).</summary>
    public Task Headers => _headers.Task;

    public bool HasHeaders => _headers.Task.IsCompleted;

    /// <summary>Completes once the whole body has arrived (or the fetch ended without it).</summary>
    public Task Completion => _done.Task;

    public bool IsComplete => _done.Task.IsCompleted;

    public void Touch(long now) => Volatile.Write(ref _lastUsed, now);

    /// <summary>True for the one caller that must run the fetch.</summary>
    public bool TryStart() => Interlocked.Exchange(ref _started, 1) == 0;

    /// <summary>A viewer's reference; false when the entry already left the cache and was freed (fetch it anew).</summary>
    public bool TryAddReference()
    {
        var references = Volatile.Read(ref _references);
        while (references > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return true;
            }

            references = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Free();
        }
    }

    /// <summary>The fetch: the holder's status and headers are in; viewers may start their answers.</summary>
    public void Start(int status, string? contentType, string? cacheControl, string? retryAfter, long? declaredLength)
    {
        Status = status;
        ContentType = contentType;
        CacheControl = cacheControl;
        RetryAfter = retryAfter;
        DeclaredLength = declaredLength;
        _headers.TrySetResult();
    }

    /// <summary>The fetch: room for the next bytes of the body (the rest of the last chunk, or a new pooled one).</summary>
    public Memory<byte> GetMemory()
    {
        if (_chunkCount > 0)
        {
            var last = _chunks[_chunkCount - 1];
            var used = (int)(_length - _lastChunkStart);
            if (used < last.Length)
            {
                return last.AsMemory(used);
            }
        }

        // The declared length in one chunk (as a complete body was always kept); a streamed body in chunks that grow.
        var size = DeclaredLength is { } declared && declared > _length
            ? (int)Math.Min(declared - _length, int.MaxValue)
            : (int)Math.Clamp(_length, FirstChunk, LargestChunk);
        var chunk = _pool.Rent(size);
        lock (_gate)
        {
            if (_chunkCount == _chunks.Length)
            {
                var larger = ArrayPool<byte[]>.Shared.Rent(Math.Max(4, _chunkCount * 2));
                _chunks.AsSpan(0, _chunkCount).CopyTo(larger);
                ReturnTable(_chunks);
                _chunks = larger;
            }

            _chunks[_chunkCount++] = chunk;
            _lastChunkStart = _length;
        }

        return chunk;
    }

    /// <summary>The fetch: <paramref name="count"/> bytes were written into <see cref="GetMemory"/>'s room; waiting viewers get them.</summary>
    public void Advance(int count)
    {
        lock (_gate)
        {
            _length += count;
            WakeReaders();
        }

        _accountBytes(count);
    }

    /// <summary>The fetch ended: the body is whole, or (<paramref name="failed"/>) it never will be.</summary>
    public void Finish(bool failed)
    {
        lock (_gate)
        {
            _ended = true;
            _failed = failed;
            WakeReaders();
        }

        _headers.TrySetResult(); // the holder never answered: Status stays 0
        _done.TrySetResult();
        if (Volatile.Read(ref _references) == 0)
        {
            Free();
        }
    }

    /// <summary>
    /// The received bytes at <paramref name="reader"/>'s position (moving it past them), or none yet; <paramref name="ended"/>
    /// when none will come any more. The memory stays valid while the viewer holds its reference.
    /// </summary>
    public ReadOnlyMemory<byte> Next(RelayReader reader, out bool ended)
    {
        lock (_gate)
        {
            ended = false;
            while (reader.Position < _length)
            {
                var chunk = _chunks[reader.Chunk];
                var filled = reader.Chunk == _chunkCount - 1 ? _length - _lastChunkStart : chunk.Length;
                var offset = (int)(reader.Position - reader.ChunkStart);
                if (offset < filled)
                {
                    var count = (int)filled - offset;
                    reader.Position += count;
                    return chunk.AsMemory(offset, count);
                }

                reader.Chunk++;
                reader.ChunkStart += chunk.Length;
            }

            ended = _ended;
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    /// <summary>Completes when bytes past <paramref name="reader"/>'s position arrive, or the body ends.</summary>
    public ValueTask WaitAsync(RelayReader reader)
    {
        lock (_gate)
        {
            if (reader.Position < _length || _ended)
            {
                return ValueTask.CompletedTask;
            }

            _waiting.Add(reader);
            return reader.Arm();
        }
    }

    /// <summary>The whole body as one array (the multivariant playlist, which the relay edits); call once complete.</summary>
    public byte[] ToArray()
    {
        lock (_gate)
        {
            var copy = new byte[_length];
            var at = 0L;
            for (var i = 0; i < _chunkCount; i++)
            {
                var count = (int)Math.Min(_chunks[i].Length, _length - at);
                _chunks[i].AsSpan(0, count).CopyTo(copy.AsSpan((int)at));
                at += count;
            }

            return copy;
        }
    }

    private void WakeReaders()
    {
        foreach (var reader in _waiting)
        {
            reader.Wake(); // queued to the thread pool: no viewer's code runs under the gate
        }

        _waiting.Clear();
    }

    private void Free()
    {
        // Both the last release and the end of the fetch call this; only an entry whose fetch ended can give its chunks back.
        if (!_done.Task.IsCompleted || Interlocked.Exchange(ref _freed, 1) != 0)
        {
            return;
        }

        byte[][] chunks;
        int count;
        long length;
        lock (_gate)
        {
            (chunks, count, length) = (_chunks, _chunkCount, _length);
            (_chunks, _chunkCount) = ([], 0);
        }

        _accountBytes(-length);
        for (var i = 0; i < count; i++)
        {
            _pool.Return(chunks[i]);
        }

        ReturnTable(chunks);
    }

    private static void ReturnTable(byte[][] table)
    {
        if (table.Length > 0)
        {
            ArrayPool<byte[]>.Shared.Return(table, clearArray: true);
        }
    }
}
