namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// Waits on a condition over something that says when it changes (a request received, a line logged, a span
/// exported): the condition is checked again at each change, never on a clock. The bound is a guard against a
/// hang, not a wait.
/// </summary>
public sealed class Changes
{
    private static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(60);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Says that something changed: every waiter checks its condition again.</summary>
    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        using var bound = new CancellationTokenSource(within ?? DefaultBound);
        while (true)
        {
            var changed = Volatile.Read(ref _next).Task; // taken before the probe, so a change during it is not missed
            var value = probe();
            if (done(value))
            {
                return value;
            }

            try
            {
                await changed.WaitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting for {what}; last value: {value}");
            }
        }
    }

    public Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        UntilAsync(condition, ok => ok, what, within);
}
