using System.Buffers;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Server.Streams;

/// <summary>
/// A complete segment as the playback packager cut it, leased: its bytes stay valid after it leaves the live
/// window until this is disposed (exactly once).
/// </summary>
public sealed class PackagedSegment(HlsSegment segment, HlsMediaLease lease, IReadOnlyList<DateRange> dateRanges) : IDisposable
{
    private HlsMediaLease _lease = lease;

    public HlsSegment Segment { get; } = segment;

    public ReadOnlySequence<byte> Data => _lease.Data;

    /// <summary>The live playlist's ad-break tags when the segment completed (those up to it are the recording's too).</summary>
    public IReadOnlyList<DateRange> DateRanges { get; } = dateRanges;

    public void Dispose() => _lease.Dispose();
}
