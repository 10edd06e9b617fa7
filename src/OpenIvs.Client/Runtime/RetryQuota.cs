namespace OpenIvs.Client.Runtime;

/// <summary>
/// The standard retry mode's client-wide token bucket: a retry takes <see cref="RetryCost"/> tokens
/// (<see cref="TimeoutRetryCost"/> after a timeout) and is refused when too few are left; a successful
/// response gives back what its call's last retry took, or <see cref="NoRetryIncrement"/> when it needed none.
/// </summary>
internal sealed class RetryQuota(int capacity)
{
    public const int RetryCost = 5;
    public const int TimeoutRetryCost = 10;
    public const int NoRetryIncrement = 1;

    private readonly object _lock = new();
    private int _available = capacity;

    public int Capacity { get; } = capacity;

    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _available;
            }
        }
    }

    public bool TryAcquire(int cost)
    {
        lock (_lock)
        {
            if (_available < cost)
            {
                return false;
            }

            _available -= cost;
            return true;
        }
    }

    /// <summary>After a successful response: <paramref name="acquired"/> is what the call's last retry took (0 if none).</summary>
    public void Release(int acquired)
    {
        lock (_lock)
        {
            _available = Math.Min(Capacity, _available + (acquired > 0 ? acquired : NoRetryIncrement));
        }
    }
}
