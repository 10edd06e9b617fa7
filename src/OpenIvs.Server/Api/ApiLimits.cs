namespace OpenIvs.Server.Api;

/// <summary>Limits of the API front end.</summary>
public sealed class ApiLimits
{
    private int _maxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// Largest accepted request body (default 1 MiB). IVS bodies are small: the largest legitimate one
    /// (50 ARNs, or a 1 KB metadata payload) is far below this.
    /// </summary>
    public int MaxRequestBodyBytes
    {
        get => _maxRequestBodyBytes;
        set => _maxRequestBodyBytes = value is >= 1024 and <= 64 * 1024 * 1024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be between 1 KiB and 64 MiB.");
    }
}
