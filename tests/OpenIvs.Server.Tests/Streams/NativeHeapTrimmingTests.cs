using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Tests.Streams;

/// <summary>
/// The native heap is trimmed at the checks that find methods compiled or the live streams changed since the last trim,
/// at most once per check; never on a steady server, and not at all where glibc's trim does not exist.
/// </summary>
public class NativeHeapTrimmingTests
{
    private long _compiled = 1000;
    private int _live;
    private int _trimCalls;
    private bool _trimAvailable = true;

    private NativeHeapTrimming Create(TimeProvider? time = null) =>
        new(() => _compiled, () => _live, Trim, time ?? TimeProvider.System, NullLogger<NativeHeapTrimming>.Instance);

    private bool Trim()
    {
        _trimCalls++;
        return _trimAvailable;
    }

    [Fact]
    public void NothingChangedNothingTrimmed()
    {
        var trimming = Create();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(trimming.Check());
        }

        Assert.Equal(0, _trimCalls);
    }

    [Fact]
    public void TrimsAfterEachIntervalWithCompilationAndStopsWhenItStops()
    {
        var trimming = Create();
        _live = 10; // streams started
        Assert.True(trimming.Check());
        _compiled += 1500; // the ingest path compiled and tiered up over the next intervals
        Assert.True(trimming.Check());
        _compiled += 3;
        Assert.True(trimming.Check());
        Assert.Equal(3, _trimCalls);

        Assert.False(trimming.Check()); // steady: nothing compiled, the same streams
        Assert.False(trimming.Check());
        Assert.Equal(3, trimming.Trims);
    }

    [Fact]
    public void StreamsEndingAloneLeadToATrim()
    {
        _live = 20;
        var trimming = Create();
        _live = 0;
        Assert.True(trimming.Check());
        Assert.False(trimming.Check());
        Assert.Equal(1, _trimCalls);
    }

    [Fact]
    public void WithoutGlibcItStopsTrying()
    {
        _trimAvailable = false;
        var trimming = Create();
        _live = 1;
        Assert.False(trimming.Check());
        _live = 2;
        Assert.False(trimming.Check());
        _compiled++;
        Assert.False(trimming.Check());
        Assert.Equal(1, _trimCalls);
        Assert.Equal(0, trimming.Trims);
    }

    [Fact]
    public async Task TheServiceChecksOnItsClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var trimming = Create(time);
        await trimming.StartAsync(CancellationToken.None);
        _live = 3;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (trimming.Trims == 0 && DateTime.UtcNow < deadline)
        {
            time.Advance(NativeHeapTrimming.Interval);
            await Task.Delay(10);
        }

        await trimming.StopAsync(CancellationToken.None);
        Assert.Equal(1, trimming.Trims);
    }

    [Fact]
    public void GlibcTrimIsBoundOnLinux()
    {
        Assert.True(OperatingSystem.IsLinux(), "OpenIVS runs on Linux; this test checks the malloc_trim binding there");
        Assert.True(NativeHeapTrimming.TryMallocTrim());
    }
}
