using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// A counted reference to a segment's buffers while its bytes are being sent. Dispose exactly once; the
/// buffers go back to the pool only after the segment left the window and every lease is disposed.
/// </summary>
public struct HlsMediaLease : IDisposable
{
    private HlsSegment? _segment;
    private byte[]? _owned;

    internal HlsMediaLease(HlsSegment segment, ReadOnlySequence<byte> data)
    {
        _segment = segment;
        Data = data;
    }

    /// <summary>A lease on bytes read from a spilled segment into an array from the shared pool.</summary>
    internal HlsMediaLease(byte[] owned, int length)
    {
        _owned = owned;
        Data = new ReadOnlySequence<byte>(owned, 0, length);
    }

    /// <summary>The bytes to send (a whole segment or one part).</summary>
    public ReadOnlySequence<byte> Data { get; }

    public void Dispose()
    {
        var segment = _segment;
        _segment = null;
        segment?.Release();
        var owned = _owned;
        _owned = null;
        if (owned is not null)
        {
            ArrayPool<byte>.Shared.Return(owned);
        }
    }
}
