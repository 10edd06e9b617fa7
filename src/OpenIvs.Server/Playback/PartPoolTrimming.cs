using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Gives the part pool's idle buffers back and asks the garbage collector for the memory: an idle process allocates
/// nothing, so no collection would come by itself to return it to the system. Pump thread only.
/// </summary>
/// <remarks>
/// While streams are live, a plain collection once a sweep has released a lot. Once nothing is live, one compacting
/// collection whenever anything was released since the last one, even when the last trim released nothing: the sweeps
/// of the ended streams' linger time trim the pool empty, and a plain collection may not run at all (the collector
/// decides) or leaves the freed large-object heap uncompacted and committed. Without that rule, 20 streams that ended
/// left 50-60 MB resident for good.
/// </remarks>
internal sealed class PartPoolTrimming(PartBufferPool pool, Action<bool> collect)
{
    /// <summary>Released bytes after which a sweep while streams are live asks for a collection.</summary>
    public const long ReleasedBytesWorthACollection = 16 * 1024 * 1024;

    private long _releasedSinceCollection;
    private long _releasedSinceCompaction;

    /// <summary>Collects the way .NET can: <paramref name="compact"/> = an aggressive, blocking, compacting collection.</summary>
    public static void Collect(bool compact)
    {
        if (compact)
        {
            // Nothing is live, so a pause costs no one: compact (the large-object heap too, where the part buffers
            // were) and decommit the freed memory, which a plain collection keeps committed for later allocations.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Optimized, blocking: false);
        }
    }

    /// <summary>
    /// Drops the buffers that sat idle since the last call (all of them when <paramref name="nothingLive"/>) and
    /// collects as described in the remarks. Returns the bytes released by this call.
    /// </summary>
    public long Trim(bool nothingLive)
    {
        var released = pool.Trim();
        if (nothingLive)
        {
            released += pool.Trim(); // the second drops what the first left as the new low water: everything idle
        }

        _releasedSinceCollection += released;
        _releasedSinceCompaction += released;
        if (nothingLive)
        {
            if (_releasedSinceCompaction > 0)
            {
                _releasedSinceCompaction = 0;
                _releasedSinceCollection = 0;
                collect(true);
            }
        }
        else if (_releasedSinceCollection >= ReleasedBytesWorthACollection)
        {
            _releasedSinceCollection = 0;
            collect(false);
        }

        return released;
    }
}
