namespace OpenIvs.Media.Rtmp;

/// <summary>
/// The peer broke the RTMP protocol or a configured limit; the connection must be closed.
/// Messages never contain stream names (the stream name is the stream key).
/// </summary>
public sealed class RtmpProtocolException : Exception
{
    public RtmpProtocolException(RtmpProtocolError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>The typed reason, stable for logs and metrics.</summary>
    public RtmpProtocolError Error { get; }
}
