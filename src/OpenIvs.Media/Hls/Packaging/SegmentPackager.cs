using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>Turns the samples of one part into container bytes. Stateful per stream (sequence numbers, continuity counters).</summary>
internal abstract class SegmentPackager : IDisposable
{
    /// <summary>The init segment (fMP4) or empty (TS).</summary>
    public abstract ReadOnlyMemory<byte> InitSegment { get; }

    /// <summary>An upper bound for the part's size, so the output buffer is rented once.</summary>
    public abstract int EstimateSize(in PartInput input);

    public abstract void WritePart(IBufferWriter<byte> output, in PartInput input);

    public abstract void Dispose();

    protected static int PayloadSize(in PartInput input)
    {
        var size = 0;
        foreach (ref readonly var v in input.Video)
        {
            size += v.Frame.Length;
        }

        foreach (ref readonly var a in input.Audio)
        {
            size += a.Frame.Length;
        }

        foreach (ref readonly var d in input.Data)
        {
            size += d.Frame.Length;
        }

        return size;
    }
}
