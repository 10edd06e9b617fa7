using OpenIvs.Media.Amf;

namespace OpenIvs.Media.Rtmp;

/// <summary>
/// Protocol limits for one RTMP connection, with documented defaults. Every setter validates its range, there is
/// no "0 means unlimited". Violations fail the connection with an <see cref="RtmpProtocolException"/> whose
/// <see cref="RtmpProtocolException.Error"/> names the limit.
/// </summary>
public sealed class RtmpLimits
{
    private int _maxChunkSize = 1024 * 1024;
    private int _maxMessageLength = 4 * 1024 * 1024;
    private int _maxChunkStreams = 64;
    private long _maxInFlightBytes = 8 * 1024 * 1024;
    private TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _idleTimeout = TimeSpan.FromSeconds(30);
    private AmfLimits _amf = new();

    /// <summary>
    /// Largest chunk size the peer may announce with Set Chunk Size. Default 1 MiB; range 128..16 MiB.
    /// Chunk payloads are copied out as they arrive, so the chunk size never decides how much is buffered
    /// (that is <see cref="MaxMessageLength"/> and <see cref="MaxInFlightBytes"/>); encoders use 4096..65536.
    /// </summary>
    public int MaxChunkSize
    {
        get => _maxChunkSize;
        set => _maxChunkSize = (int)Validate(value, 128, 16 * 1024 * 1024, nameof(MaxChunkSize));
    }

    /// <summary>
    /// Largest message a header may declare, checked before anything is buffered. Default 4 MiB (a 1080p60 keyframe
    /// at 8.5 Mbps is well under 2 MiB); range 1 KiB..16 MiB (the 24-bit wire maximum).
    /// </summary>
    public int MaxMessageLength
    {
        get => _maxMessageLength;
        set => _maxMessageLength = (int)Validate(value, 1024, 0xFFFFFF, nameof(MaxMessageLength));
    }

    /// <summary>
    /// Most distinct chunk stream ids one connection may use (each keeps a small header state). Default 64; real
    /// encoders use 3..8. Range 2..65,598.
    /// </summary>
    public int MaxChunkStreams
    {
        get => _maxChunkStreams;
        set => _maxChunkStreams = (int)Validate(value, 2, 65_598, nameof(MaxChunkStreams));
    }

    /// <summary>
    /// Most bytes held for partially assembled messages across all chunk streams of one connection, checked when a
    /// message starts (its full declared length counts). Default 8 MiB; range 1 KiB..1 GiB.
    /// </summary>
    public long MaxInFlightBytes
    {
        get => _maxInFlightBytes;
        set => _maxInFlightBytes = Validate(value, 1024, 1L << 30, nameof(MaxInFlightBytes));
    }

    /// <summary>Time from accept until the handshake (C0, C1, C2) is complete. Default 10 s; range 100 ms..10 min.</summary>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        set => _handshakeTimeout = ValidateTime(value, nameof(HandshakeTimeout));
    }

    /// <summary>
    /// Longest silence after the handshake before the connection is dropped. Default 30 s, the time IVS waits for a
    /// broadcaster that stopped sending. Range 100 ms..10 min.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set => _idleTimeout = ValidateTime(value, nameof(IdleTimeout));
    }

    /// <summary>Limits for AMF0 command and data messages.</summary>
    public AmfLimits Amf
    {
        get => _amf;
        set => _amf = value ?? throw new ArgumentNullException(nameof(value));
    }

    private static long Validate(long value, long min, long max, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, min, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, max, name);
        return value;
    }

    private static TimeSpan ValidateTime(TimeSpan value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(100), name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMinutes(10), name);
        return value;
    }
}
