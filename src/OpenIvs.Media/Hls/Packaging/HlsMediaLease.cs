using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// A counted reference to a segment's buffers while its bytes are being sent. Dispose exactly once; the
/// buffers go back to the pool only after the segment left the window and every lease is disposed.
/// </summary>
public struct HlsMediaLease : IDisposable
{
    private HlsSegment? _segment;

    internal HlsMediaLease(HlsSegment segment, ReadOnlySequence<byte> data)
    {
        _segment = segment;
        Data = data;
    }

    /// <summary>The bytes to send (a whole segment or one part).</summary>
    public ReadOnlySequence<byte> Data { get; }

    public void Dispose()
    {
        var segment = _segment;
        _segment = null;
        segment?.Release();
    }
}
