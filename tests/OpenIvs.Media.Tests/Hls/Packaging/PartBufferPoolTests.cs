using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Media.Tests.Hls.Packaging;

public class PartBufferPoolTests
{
    [Theory]
    [InlineData(1, 1024)]
    [InlineData(1024, 1024)]
    [InlineData(1025, 2048)]
    [InlineData(65_536, 65_536)]
    [InlineData(65_537, 69_632)] // sixteen classes per power of two: 4 KB steps between 64 and 128 KB
    [InlineData(110_000, 110_592)]
    [InlineData(1_000_000, 1_015_808)]
    public void RequestsRoundUpToAClassWithinOneSixteenthOfTheirSize(int request, int expected)
    {
        Assert.Equal(expected, PartBufferPool.ClassSize(request));
        Assert.True(PartBufferPool.ClassSize(request) - request <= Math.Max(1024, request / 16));
    }

    [Fact]
    public void ReturnedArraysAreLentAgain()
    {
        var pool = new PartBufferPool();
        var array = pool.Rent(110_000);
        Assert.Equal(110_592, array.Length);
        pool.Return(array);
        Assert.Same(array, pool.Rent(110_500));
        pool.Return(new byte[110_000]); // not a class size: not kept
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void AnIdleArrayALittleLargerIsLentBeforeANewOneIsMade()
    {
        var pool = new PartBufferPool();
        var larger = pool.Rent(118_000); // 118,784: two classes above 110,592
        pool.Return(larger);
        Assert.Same(larger, pool.Rent(110_000));
        var muchLarger = pool.Rent(200_000);
        pool.Return(muchLarger);
        Assert.NotSame(muchLarger, pool.Rent(110_000));
    }

    [Fact]
    public void TrimDropsOnlyArraysThatStayedIdleForAWholeInterval()
    {
        var pool = new PartBufferPool();
        var arrays = Enumerable.Range(0, 3).Select(_ => pool.Rent(100_000)).ToArray();
        var size = arrays[0].Length;
        foreach (var array in arrays)
        {
            pool.Return(array);
        }

        Assert.Equal(0, pool.Trim()); // all three were lent during this interval
        Assert.Equal(3L * size, pool.IdleBytes);

        pool.Return(pool.Rent(100_000)); // one is used during the next interval, two stay idle
        Assert.Equal(2L * size, pool.Trim());
        Assert.Equal(size, pool.IdleBytes);

        Assert.Equal(size, pool.Trim()); // and then the last one, idle since
        Assert.Equal(0, pool.IdleBytes);
    }

    [Fact]
    public void ArraysAboveTheLimitAreNotPooled()
    {
        var pool = new PartBufferPool(maxArrayLength: 64 * 1024);
        var big = pool.Rent(100_000);
        Assert.Equal(100_000, big.Length);
        pool.Return(big);
        Assert.Equal(0, pool.IdleBytes);
    }
}
