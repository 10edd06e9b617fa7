using System.Buffers;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// One finished partial segment (a CMAF chunk or a run of TS packets). Immutable once published; its bytes
/// stay valid while the caller holds a lease on the parent <see cref="HlsSegment"/>.
/// </summary>
public sealed class HlsPart
{
    internal HlsPart(HlsSegment segment, int index, long sequence, double duration, bool independent, string uri, byte[] buffer, int length, long offset)
    {
        Segment = segment;
        Index = index;
        Sequence = sequence;
        Duration = duration;
        IsIndependent = independent;
        Uri = uri;
        Buffer = buffer;
        Length = length;
        Offset = offset;
        Node = new BufferSequenceSegment(buffer.AsMemory(0, length), offset);
        PlaylistEntry = new PartialSegment(uri, duration, independent);
    }

    public HlsSegment Segment { get; }

    /// <summary>Index within the parent segment (the <c>_HLS_part</c> numbering).</summary>
    public int Index { get; }

    /// <summary>Stream-wide part number (names the part's URI).</summary>
    public long Sequence { get; }

    /// <summary>Duration in seconds.</summary>
    public double Duration { get; }

    /// <summary>The part starts with an IDR (INDEPENDENT=YES).</summary>
    public bool IsIndependent { get; }

    public string Uri { get; }

    /// <summary>Byte length of the part.</summary>
    public int Length { get; }

    /// <summary>Byte offset of the part within its segment (for BYTERANGE addressing).</summary>
    public long Offset { get; }

    /// <summary>The part's bytes; only valid while a lease on <see cref="Segment"/> is held.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

    internal byte[] Buffer { get; }

    internal BufferSequenceSegment Node { get; }

    internal PartialSegment PlaylistEntry { get; }
}
