namespace OpenIvs.Server.Storage;

/// <summary>
/// The newest position of an outbox and a signal for readers waiting past it, shared by the outbox implementations:
/// raised by the store after a commit that appended events (and, for a shared store, by other nodes' notifications).
/// </summary>
internal sealed class OutboxPosition(long lastPosition)
{
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastPosition = lastPosition;

    public long Last => Volatile.Read(ref _lastPosition);

    /// <summary>Events up to <paramref name="position"/> are committed; wakes the waiters when it is new.</summary>
    public void Advance(long position)
    {
        long current;
        do
        {
            current = Volatile.Read(ref _lastPosition);
            if (position <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lastPosition, position, current) != current);

        // Position first, then the signal: a waiter that took the old signal before this sees it completed.
        Interlocked.Exchange(ref _appended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Completes when a position after <paramref name="afterPosition"/> is committed (at once if one is).</summary>
    public async Task WaitAsync(long afterPosition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _appended);
            if (Volatile.Read(ref _lastPosition) > afterPosition)
            {
                return;
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
