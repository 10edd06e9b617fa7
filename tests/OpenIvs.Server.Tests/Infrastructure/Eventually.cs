namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// Waits for a condition that real-time media makes true (a stream going live, a publisher being cut
/// off), polling with a generous bound. The bound is a safety net against hangs, not an assertion about speed.
/// Where the thing watched says when it changes, wait with <see cref="Changes"/> instead; where a clock decides,
/// advance a FakeTimeProvider (or jump a <see cref="RunningClock"/>).
/// </summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T value;
        while (!done(value = await probe()))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(100);
        }

        return value;
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        ReturnsAsync(() => Task.FromResult(condition()), ok => ok, what, within);
}
