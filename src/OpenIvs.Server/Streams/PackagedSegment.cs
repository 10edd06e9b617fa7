using System.Buffers;
using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Streams;

/// <summary>
/// A complete segment as the playback packager cut it, leased: its bytes stay valid after it leaves the live
/// window until this is disposed (exactly once).
/// </summary>
public sealed class PackagedSegment(HlsSegment segment, HlsMediaLease lease) : IDisposable
{
    private HlsMediaLease _lease = lease;

    public HlsSegment Segment { get; } = segment;

    public ReadOnlySequence<byte> Data => _lease.Data;

    public void Dispose() => _lease.Dispose();
}
