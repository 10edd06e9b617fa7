using System.Diagnostics;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>Waits on a condition of a server under test, every 100 ms, and fails the test when it does not hold in time.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string? what = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            Assert.True(deadline.Elapsed < within, $"timed out after {within.TotalSeconds} s{(what is null ? "" : " waiting until " + what)}; last: {value}");
            await Task.Delay(100);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string what) => UntilAsync(condition, ok => ok, within, what);
}
