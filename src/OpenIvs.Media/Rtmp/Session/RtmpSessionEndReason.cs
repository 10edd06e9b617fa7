namespace OpenIvs.Media.Rtmp.Session;

/// <summary>Why a session (or its publish) ended.</summary>
public enum RtmpSessionEndReason
{
    /// <summary>The peer closed the connection.</summary>
    PeerClosed,

    /// <summary>The publisher sent FCUnpublish, closeStream or deleteStream.</summary>
    Unpublished,

    /// <summary>The host rejected the publish; the connection should be closed.</summary>
    PublishRejected,

    /// <summary>The client asked to play; this ingest server refused with NetStream.Play.Failed.</summary>
    PlayRefused,

    /// <summary>The session failed with an <see cref="RtmpProtocolException"/> (including timeouts).</summary>
    ProtocolError,

    /// <summary>The host cancelled the session (for example StopStream).</summary>
    Cancelled,

    /// <summary>The publish handler threw.</summary>
    HandlerError,
}
