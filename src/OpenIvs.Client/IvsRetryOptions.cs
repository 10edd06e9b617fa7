namespace OpenIvs.Client;

/// <summary>
/// The AWS SDKs' <c>standard</c> retry mode: up to <see cref="MaxAttempts"/> attempts; throttling errors,
/// 5xx answers and transient network errors are retried after a delay drawn uniformly from
/// [0, min(<see cref="MaxBackoff"/>, <see cref="BaseDelay"/> x 2^(attempt-1))] (exponential backoff with full
/// jitter), while a client-wide retry quota lasts (<see cref="QuotaCapacity"/> tokens; a retry costs 5, a
/// retry after a timeout 10; a success gives back what its retry cost, or 1).
/// </summary>
public sealed class IvsRetryOptions
{
    /// <summary>Attempts per call, the first included. Unset: <c>AWS_MAX_ATTEMPTS</c>, the profile's <c>max_attempts</c>, else 3.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The backoff base: the first retry waits up to this long. Default 1 second.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay before a retry. Default 20 seconds.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The retry quota's size in tokens. Default 500.</summary>
    public int QuotaCapacity { get; set; } = 500;

    /// <summary>Checks the settings; returns one message per problem.</summary>
    /// <returns>The problems found.</returns>
    public IEnumerable<string> Validate()
    {
        if (MaxAttempts is < 1)
        {
            yield return "Retry.MaxAttempts must be at least 1.";
        }

        if (BaseDelay < TimeSpan.Zero || MaxBackoff < TimeSpan.Zero)
        {
            yield return "Retry.BaseDelay and Retry.MaxBackoff must not be negative.";
        }

        if (QuotaCapacity < 0)
        {
            yield return "Retry.QuotaCapacity must not be negative.";
        }
    }
}
