using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over one array rented from an <see cref="ArrayPool{T}"/>. It grows by
/// renting a larger array and copying, so it is private to its writer while being written; once done, the
/// array can be handed off with <see cref="Detach"/> (the new owner returns it to the same pool).
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(ArrayPool<byte>? pool = null, int initialCapacity = 0)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = initialCapacity > 0 ? _pool.Rent(initialCapacity) : [];
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Forgets the written bytes and makes sure at least <paramref name="capacity"/> bytes are available.</summary>
    public void Reset(int capacity = 0)
    {
        _written = 0;
        if (capacity > _buffer.Length)
        {
            ReturnBuffer();
            _buffer = _pool.Rent(capacity);
        }
    }

    /// <summary>Hands the rented array holding the written bytes to the caller and starts empty again.</summary>
    public byte[] Detach(out int length)
    {
        length = _written;
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        return buffer;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Returns the array to the pool and starts empty; the writer stays usable.</summary>
    public void Clear()
    {
        ReturnBuffer();
        _buffer = [];
        _written = 0;
    }

    public void Dispose() => Clear();

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var next = _pool.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(next);
        ReturnBuffer();
        _buffer = next;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            _pool.Return(_buffer);
        }
    }
}
