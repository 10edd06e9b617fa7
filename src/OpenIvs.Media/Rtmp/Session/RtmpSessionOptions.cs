namespace OpenIvs.Media.Rtmp.Session;

/// <summary>Settings of a <see cref="RtmpServerSession"/>: limits, clock and what the server announces to the client.</summary>
public sealed class RtmpSessionOptions
{
    private int _outgoingChunkSize = 4096;
    private uint _windowAcknowledgementSize = 2_500_000;
    private uint _peerBandwidth = 2_500_000;
    private RtmpLimits _limits = new();
    private TimeProvider _timeProvider = TimeProvider.System;

    public RtmpLimits Limits
    {
        get => _limits;
        set => _limits = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The clock behind the handshake and idle timeouts (a fake one in tests).</summary>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set => _timeProvider = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Chunk size the server announces and uses for what it sends. Default 4096; range 128..65536.</summary>
    public int OutgoingChunkSize
    {
        get => _outgoingChunkSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 128);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65536);
            _outgoingChunkSize = value;
        }
    }

    /// <summary>
    /// Window Acknowledgement Size sent on connect; also the server's own acknowledgement window until the client
    /// announces one. Default 2,500,000 bytes; range 4096..2^31-1.
    /// </summary>
    public uint WindowAcknowledgementSize
    {
        get => _windowAcknowledgementSize;
        set => _windowAcknowledgementSize = ValidateWindow(value);
    }

    /// <summary>Set Peer Bandwidth window sent on connect (limit type dynamic). Default 2,500,000; range 4096..2^31-1.</summary>
    public uint PeerBandwidth
    {
        get => _peerBandwidth;
        set => _peerBandwidth = ValidateWindow(value);
    }

    private static uint ValidateWindow(uint value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 4096u);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, (uint)int.MaxValue);
        return value;
    }
}
