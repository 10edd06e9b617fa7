using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Server.Playback;

namespace OpenIvs.Server.Tests.Playback;

public class PartPoolTrimmingTests
{
    private const int PartSize = 110_592; // one size class

    private static void ReturnNew(PartBufferPool pool, int count)
    {
        var arrays = Enumerable.Range(0, count).Select(_ => pool.Rent(PartSize)).ToList();
        arrays.ForEach(a => pool.Return(a));
    }

    [Fact]
    public void OnceNothingIsLiveItCompactsEvenWhenTheLingerSweepsAlreadyEmptiedThePool()
    {
        var pool = new PartBufferPool();
        var collections = new List<bool>();
        var trimming = new PartPoolTrimming(pool, collections.Add);
        ReturnNew(pool, 10); // the buffers of streams that ended

        // the ended streams linger: their sweeps trim the pool empty, too little for a collection
        trimming.Trim(nothingLive: false); // sets the low water
        Assert.Equal(10L * PartSize, trimming.Trim(nothingLive: false));
        trimming.Trim(nothingLive: false);
        Assert.Equal(0, pool.IdleBytes);
        Assert.Empty(collections);

        // then nothing is live: this trim releases nothing, yet the memory released before must go back
        Assert.Equal(0, trimming.Trim(nothingLive: true));
        Assert.Equal([true], collections);

        // and only once: an idle server does not compact again and again
        trimming.Trim(nothingLive: true);
        Assert.Equal([true], collections);
    }

    [Fact]
    public void OnceNothingIsLiveEveryIdleBufferGoesAtOnce()
    {
        var pool = new PartBufferPool();
        var collections = new List<bool>();
        var trimming = new PartPoolTrimming(pool, collections.Add);
        ReturnNew(pool, 3);

        Assert.Equal(3L * PartSize, trimming.Trim(nothingLive: true)); // no interval to wait for
        Assert.Equal(0, pool.IdleBytes);
        Assert.Equal([true], collections);
    }

    [Fact]
    public void WhileLiveItAsksForAPlainCollectionOnlyAfterReleasingALot()
    {
        var pool = new PartBufferPool();
        var collections = new List<bool>();
        var trimming = new PartPoolTrimming(pool, collections.Add);
        var many = (int)(PartPoolTrimming.ReleasedBytesWorthACollection / PartSize) + 1;

        ReturnNew(pool, 10);
        trimming.Trim(nothingLive: false);
        trimming.Trim(nothingLive: false); // 10 released: not worth it
        Assert.Empty(collections);

        ReturnNew(pool, many);
        trimming.Trim(nothingLive: false);
        trimming.Trim(nothingLive: false);
        Assert.Equal([false], collections);

        // the plain collection does not count as the compacting one owed once nothing is live
        Assert.Equal(0, trimming.Trim(nothingLive: true));
        Assert.Equal([false, true], collections);
    }

    [Fact]
    public void BuffersInUseAreNeverDropped()
    {
        var pool = new PartBufferPool();
        var trimming = new PartPoolTrimming(pool, _ => { });
        var held = pool.Rent(PartSize);
        ReturnNew(pool, 2);
        trimming.Trim(nothingLive: true);
        Assert.Equal(0, pool.IdleBytes);

        pool.Return(held); // comes back after the trim: kept until the next one
        Assert.Equal(PartSize, pool.IdleBytes);
    }
}
