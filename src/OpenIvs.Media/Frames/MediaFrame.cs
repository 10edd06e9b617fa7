using System.Buffers;

namespace OpenIvs.Media.Frames;

/// <summary>
/// One access unit travelling from ingest to its readers (packager, recorder, thumbnailer). The payload
/// lives in a buffer rented from <see cref="ArrayPool{T}.Shared"/> and is reference counted: the ingest
/// side creates the frame with one reference, each reader queue takes one with <see cref="Retain"/>,
/// and whoever is done calls <see cref="Release"/>. The last release returns the buffer to the pool. A frame that
/// was never shared can be refilled by its creator (<see cref="Reclaimable"/>), so ingest of a stream that nobody
/// reads allocates no frame object per access unit.
/// </summary>
/// <remarks>
/// Video payloads are AVCC/HVCC: NAL units each prefixed by a 4-byte big-endian length (as in FLV/MP4).
/// Audio payloads are raw AAC frames (no ADTS header). Timestamps are milliseconds on the ingest clock.
/// </remarks>
public sealed class MediaFrame
{
    private byte[]? _buffer;
    private int _references;
    private bool _shared; // someone besides the creator took a reference (Retain): never refilled

    private MediaFrame(MediaKind kind, byte[] buffer, int length, long timestamp, int compositionOffset, bool isKeyframe)
    {
        Kind = kind;
        _buffer = buffer;
        Length = length;
        Timestamp = timestamp;
        CompositionOffset = compositionOffset;
        IsKeyframe = isKeyframe;
        _references = 1;
    }

    public MediaKind Kind { get; private set; }

    /// <summary>Decode timestamp in milliseconds (RTMP timestamps extended to 64 bits).</summary>
    public long Timestamp { get; private set; }

    /// <summary>Presentation minus decode time in milliseconds (B-frames); 0 for audio.</summary>
    public int CompositionOffset { get; private set; }

    /// <summary>Presentation timestamp in milliseconds.</summary>
    public long PresentationTimestamp => Timestamp + CompositionOffset;

    /// <summary>True for a video random access point (IDR); always true for audio.</summary>
    public bool IsKeyframe { get; private set; }

    public int Length { get; private set; }

    /// <summary>The payload. Valid until the caller's reference is released.</summary>
    public ReadOnlyMemory<byte> Payload =>
        new(_buffer ?? throw new ObjectDisposedException(nameof(MediaFrame)), 0, Length);

    /// <summary>Copies <paramref name="payload"/> into a pooled buffer and returns a frame holding one reference.</summary>
    public static MediaFrame Create(MediaKind kind, ReadOnlySequence<byte> payload, long timestamp, int compositionOffset, bool isKeyframe)
    {
        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        return new MediaFrame(kind, buffer, length, timestamp, compositionOffset, isKeyframe);
    }

    /// <summary>
    /// As <see cref="Create(MediaKind, ReadOnlySequence{byte}, long, int, bool)"/>, refilling <paramref name="reuse"/>
    /// instead of allocating a frame object when it is <see cref="Reclaimable"/> (a frame the caller created earlier).
    /// </summary>
    public static MediaFrame Create(MediaKind kind, ReadOnlySequence<byte> payload, long timestamp, int compositionOffset, bool isKeyframe, MediaFrame? reuse)
    {
        if (reuse is null || !reuse.Reclaimable)
        {
            return Create(kind, payload, timestamp, compositionOffset, isKeyframe);
        }

        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        (reuse.Kind, reuse._buffer, reuse.Length, reuse.Timestamp, reuse.CompositionOffset, reuse.IsKeyframe) =
            (kind, buffer, length, timestamp, compositionOffset, isKeyframe);
        reuse._references = 1;
        return reuse;
    }

    /// <summary>
    /// True once the creator's reference, the only one there ever was, has been released: nobody took another
    /// (<see cref="Retain"/>), so nobody can still hold the frame and its creator may refill it
    /// (<see cref="Create(MediaKind, ReadOnlySequence{byte}, long, int, bool, MediaFrame?)"/>).
    /// </summary>
    public bool Reclaimable => Volatile.Read(ref _references) == 0 && !Volatile.Read(ref _shared);

    /// <inheritdoc cref="Create(MediaKind, ReadOnlySequence{byte}, long, int, bool)"/>
    public static MediaFrame Create(MediaKind kind, ReadOnlySpan<byte> payload, long timestamp, int compositionOffset, bool isKeyframe)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(buffer);
        return new MediaFrame(kind, buffer, payload.Length, timestamp, compositionOffset, isKeyframe);
    }

    /// <summary>Takes one more reference; pair every call with <see cref="Release"/>.</summary>
    public MediaFrame Retain()
    {
        Volatile.Write(ref _shared, true); // before the count: whoever sees the last release sees this
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new ObjectDisposedException(nameof(MediaFrame), "Retain after the last release.");
        }

        return this;
    }

    /// <summary>Drops one reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        var remaining = Interlocked.Decrement(ref _references);
        if (remaining == 0)
        {
            var buffer = Interlocked.Exchange(ref _buffer, null);
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else if (remaining < 0)
        {
            throw new InvalidOperationException("MediaFrame released more times than retained.");
        }
    }
}
