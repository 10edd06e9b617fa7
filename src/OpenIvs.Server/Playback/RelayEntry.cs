using System.Buffers;

namespace OpenIvs.Server.Playback;

/// <summary>
/// One resource of a relayed stream (a part, segment, init segment or playlist) fetched once from the holder for
/// every viewer that asks for it: the first asker starts the fetch, the others wait on the same completion and are
/// answered the same bytes. The body sits in a pooled buffer that goes back once the entry has left the cache and
/// its last viewer has been answered (each holds a reference while it writes).
/// </summary>
internal sealed class RelayEntry
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ArrayPool<byte> _pool;
    private readonly Action<long> _accountBytes;
    private byte[]? _buffer;
    private int _length;
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

    public ReadOnlyMemory<byte> Body => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _length);

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

    /// <summary>The fetch's outcome; <paramref name="buffer"/> (rented from the pool) now belongs to the entry.</summary>
    public void Complete(int status, string? contentType, string? cacheControl, string? retryAfter, byte[]? buffer, int length)
    {
        Status = status;
        ContentType = contentType;
        CacheControl = cacheControl;
        RetryAfter = retryAfter;
        _buffer = buffer;
        _length = length;
        _accountBytes(length);
        _done.TrySetResult();
        if (Volatile.Read(ref _references) == 0)
        {
            Free();
        }
    }

    private void Free()
    {
        // Both the last release and the completion call this; only a complete entry's buffer can go back.
        if (!_done.Task.IsCompleted || Interlocked.Exchange(ref _freed, 1) != 0)
        {
            return;
        }

        _accountBytes(-_length);
        if (_buffer is not null)
        {
            _pool.Return(_buffer);
            _buffer = null;
        }
    }
}
