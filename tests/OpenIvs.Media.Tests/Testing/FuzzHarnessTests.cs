namespace OpenIvs.Media.Tests.Testing;

/// <summary>The fuzz harness itself must be able to fail.</summary>
public class FuzzHarnessTests
{
    [Fact]
    public void ReportsUnexpectedExceptionsAndAllocationsOverTheBound()
    {
        Assert.Null(Fuzz.Check([1], _ => throw new MediaFormatException(MediaFormatError.Truncated, "x"), e => e is MediaFormatException, _ => 1024));
        Assert.Contains("InvalidOperationException", Fuzz.Check([1], _ => throw new InvalidOperationException(), e => e is MediaFormatException, _ => 1024));
        Assert.Contains("allocated", Fuzz.Check([1], _ => GC.KeepAlive(new byte[100_000]), _ => false, _ => 1024));
    }
}
