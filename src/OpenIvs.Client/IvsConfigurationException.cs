namespace OpenIvs.Client;

/// <summary>
/// The client is not configured well enough to send a request: no region, no credentials, or an endpoint
/// configuration the endpoint rules refuse. The message says which setting to give.
/// </summary>
public sealed class IvsConfigurationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is missing or wrong.</param>
    public IvsConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is missing or wrong.</param>
    /// <param name="innerException">The cause.</param>
    public IvsConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
