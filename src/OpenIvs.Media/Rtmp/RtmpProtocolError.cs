namespace OpenIvs.Media.Rtmp;

/// <summary>Why an RTMP connection was failed. Carried by <see cref="RtmpProtocolException"/>.</summary>
public enum RtmpProtocolError
{
    /// <summary>C0 asked for a protocol version other than 3 (plain RTMP); RTMPE and stray HTTP land here.</summary>
    UnsupportedVersion,

    /// <summary>The handshake did not complete within <see cref="RtmpLimits.HandshakeTimeout"/>.</summary>
    HandshakeTimeout,

    /// <summary>No bytes arrived within <see cref="RtmpLimits.IdleTimeout"/>.</summary>
    IdleTimeout,

    /// <summary>The peer closed the connection in the middle of a handshake packet, chunk or message.</summary>
    TruncatedStream,

    /// <summary>A Set Chunk Size asked for 0, set the reserved top bit, or exceeded <see cref="RtmpLimits.MaxChunkSize"/>.</summary>
    ChunkSizeOutOfRange,

    /// <summary>A message header declared a length above <see cref="RtmpLimits.MaxMessageLength"/>.</summary>
    MessageTooLarge,

    /// <summary>More distinct chunk stream ids than <see cref="RtmpLimits.MaxChunkStreams"/>.</summary>
    TooManyChunkStreams,

    /// <summary>Partially assembled messages would exceed <see cref="RtmpLimits.MaxInFlightBytes"/>.</summary>
    InFlightBytesExceeded,

    /// <summary>A type 1, 2 or 3 chunk header on a chunk stream that never carried a type 0 header.</summary>
    MissingPreviousHeader,

    /// <summary>A type 0, 1 or 2 chunk header arrived while a message on the same chunk stream was incomplete.</summary>
    HeaderInterruptsMessage,

    /// <summary>A protocol control or user control message had the wrong size or an invalid value.</summary>
    InvalidControlMessage,

    /// <summary>A command or data message could not be decoded, or its shape was wrong.</summary>
    InvalidCommand,

    /// <summary>A command arrived in a state where it makes no sense (for example publish before connect).</summary>
    UnexpectedCommand,

    /// <summary>An audio or video message had a malformed FLV tag header or codec configuration.</summary>
    InvalidMediaMessage,

    /// <summary>Video in a codec this server does not ingest.</summary>
    UnsupportedVideoCodec,

    /// <summary>Audio in a codec this server does not ingest.</summary>
    UnsupportedAudioCodec,
}
