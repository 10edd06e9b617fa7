namespace OpenIvs.Server.Ingest.Srt;

/// <summary>The libsrt socket options used here (SRT_SOCKOPT in <c>srt/srt.h</c>; API-socket-options.md).</summary>
internal enum SrtOption
{
    /// <summary>Blocking receive (bool).</summary>
    ReceiveSynchronous = 2,

    /// <summary>Receive timeout in ms (int32; -1 = forever).</summary>
    ReceiveTimeout = 14,

    /// <summary>Sets both receiver and peer latency, ms (int32).</summary>
    Latency = 23,

    /// <summary>Encryption passphrase, 10..79 bytes (string).</summary>
    Passphrase = 26,

    /// <summary>AES key length in bytes: 16, 24 or 32 (int32).</summary>
    PbKeyLength = 27,

    /// <summary>Encryption state of the receiving side (SRT_KM_STATE, read only).</summary>
    ReceiveKmState = 41,

    /// <summary>The caller's Stream ID, up to 512 bytes (string).</summary>
    StreamId = 46,

    /// <summary>SRT_TRANSTYPE: live or file (int32).</summary>
    TransType = 50,

    /// <summary>Reject peers whose encryption does not match (bool, default true).</summary>
    EnforcedEncryption = 53,
}
