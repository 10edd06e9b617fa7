using System.Buffers;
using System.IO.Pipelines;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Handshake;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Session;

/// <summary>
/// The protocol state machine of one RTMP server connection (an ingest publisher), independent of the transport:
/// it reads a <see cref="PipeReader"/> and writes a <see cref="PipeWriter"/>, so a Kestrel <c>ConnectionHandler</c>
/// hosts it with <c>connection.Transport.Input/Output</c> and a test with a socket stream or an in-memory pipe.
/// </summary>
/// <remarks>
/// <para>The loop is <c>ReadAsync</c> -> <c>while (TryRead...)</c> -> <c>AdvanceTo(consumed, examined)</c> in a
/// <c>finally</c>. It answers the handshake (plain or digest), applies the peer's chunk size within
/// <see cref="RtmpLimits"/>, announces Window Acknowledgement Size, Set Peer Bandwidth and its own chunk size on
/// <c>connect</c>, acknowledges received bytes per window, answers pings, and runs the publisher command flow
/// (<c>connect</c>, <c>releaseStream</c>, <c>FCPublish</c>, <c>createStream</c>, <c>publish</c>, <c>FCUnpublish</c>,
/// <c>deleteStream</c>, <c>@setDataFrame</c>). Media reaches the <see cref="IRtmpPublishHandler"/> as
/// <see cref="VideoTrackInfo"/>/<see cref="AudioTrackInfo"/> and pooled <see cref="MediaFrame"/>s.</para>
/// <para>The session never puts the stream name (the stream key) in an exception message. It does not complete the
/// pipes: the host owns the transport and closes it when <see cref="RunAsync"/> ends.</para>
/// <para>Hosting from Kestrel (<c>listenOptions.UseConnectionHandler&lt;RtmpConnectionHandler&gt;()</c>):</para>
/// <code>
/// public override async Task OnConnectedAsync(ConnectionContext connection)
/// {
///     var session = new RtmpServerSession(connection.Transport.Input, connection.Transport.Output, handler, options);
///     try { await session.RunAsync(connection.ConnectionClosed); }
///     catch (RtmpProtocolException e) { /* log e.Error; the message never holds the stream key */ }
/// }
/// </code>
/// </remarks>
public sealed partial class RtmpServerSession
{
    private const int HandshakeBytes = 1 + 2 * RtmpHandshake.PacketLength;
    private const int ControlChunkStreamId = 2;
    private const int CommandChunkStreamId = 3;
    private const int StatusChunkStreamId = 5;

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IRtmpPublishHandler _handler;
    private readonly RtmpSessionOptions _options;
    private readonly RtmpLimits _limits;
    private readonly RtmpChunkReader _chunkReader;
    private readonly RtmpChunkWriter _chunkWriter = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(512);

    private HandshakeState _handshake = HandshakeState.AwaitingC0C1;
    private byte[]? _c1;
    private ITimer? _timer;
    private volatile bool _timedOut;
    private long _lastActivity;
    private bool _needsFlush;
    private long _lastAcknowledged;
    private uint? _peerWindow;

    public RtmpServerSession(PipeReader input, PipeWriter output, IRtmpPublishHandler handler, RtmpSessionOptions? options = null)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _options = options ?? new RtmpSessionOptions();
        _limits = _options.Limits;
        _chunkReader = new RtmpChunkReader(_limits);
    }

    private enum HandshakeState
    {
        AwaitingC0C1,
        AwaitingC2,
        Done,
    }

    /// <summary>The handshake variant the client used, once C1 has arrived.</summary>
    public RtmpHandshakeScheme? HandshakeScheme { get; private set; }

    /// <summary>Total bytes received (handshake included).</summary>
    public long BytesReceived => (_handshake == HandshakeState.Done ? HandshakeBytes : 0) + _chunkReader.BytesRead;

    /// <summary>
    /// Runs the connection until it ends. Returns why it ended normally; throws <see cref="RtmpProtocolException"/>
    /// on a protocol violation, limit breach or timeout, and <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled. Either way an accepted publish gets its
    /// <see cref="IRtmpPublishHandler.OnUnpublishAsync"/> first.
    /// </summary>
    public async Task<RtmpSessionEndReason> RunAsync(CancellationToken cancellationToken)
    {
        var reason = RtmpSessionEndReason.PeerClosed;
        _timer = _options.TimeProvider.CreateTimer(static state => ((RtmpServerSession)state!).OnTimeout(), this,
            _limits.HandshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            reason = await RunLoopAsync(cancellationToken).ConfigureAwait(false);
            return reason;
        }
        catch (RtmpProtocolException)
        {
            reason = RtmpSessionEndReason.ProtocolError;
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reason = RtmpSessionEndReason.Cancelled;
            throw;
        }
        catch
        {
            reason = RtmpSessionEndReason.HandlerError;
            throw;
        }
        finally
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            _chunkReader.Dispose();
            if (_c1 is { } c1)
            {
                _c1 = null;
                ArrayPool<byte>.Shared.Return(c1);
            }

            await EndPublishAsync(reason, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<RtmpSessionEndReason> RunLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            RtmpSessionEndReason? end = null;
            try
            {
                if (result.IsCanceled && _timedOut)
                {
                    RtmpThrow.Protocol(
                        _handshake == HandshakeState.Done ? RtmpProtocolError.IdleTimeout : RtmpProtocolError.HandshakeTimeout,
                        _handshake == HandshakeState.Done
                            ? $"No data for {_limits.IdleTimeout.TotalSeconds:0.###} s."
                            : $"Handshake not complete after {_limits.HandshakeTimeout.TotalSeconds:0.###} s.");
                }

                if (_handshake == HandshakeState.Done && !result.IsCanceled)
                {
                    // A timestamp, not a timer change, per read: the idle timer polls it (cheaper per message).
                    Volatile.Write(ref _lastActivity, _options.TimeProvider.GetTimestamp());
                }

                while (end is null)
                {
                    if (_handshake != HandshakeState.Done)
                    {
                        if (!TryHandshakeStep(ref buffer))
                        {
                            break;
                        }

                        continue;
                    }

                    if (!_chunkReader.TryReadMessage(ref buffer, out var message))
                    {
                        break;
                    }

                    end = await HandleMessageAsync(message, cancellationToken).ConfigureAwait(false);
                    SendAcknowledgementIfDue();
                }

                if (_needsFlush)
                {
                    _needsFlush = false;
                    await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (end is { } ended)
                {
                    return ended;
                }

                if (result.IsCompleted)
                {
                    return _unpublished ? RtmpSessionEndReason.Unpublished : RtmpSessionEndReason.PeerClosed;
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, result.Buffer.End);
            }
        }
    }

    private bool TryHandshakeStep(ref ReadOnlySequence<byte> buffer)
    {
        if (_handshake == HandshakeState.AwaitingC0C1)
        {
            _c1 ??= ArrayPool<byte>.Shared.Rent(RtmpHandshake.PacketLength);
            if (!RtmpHandshake.TryReadC0C1(ref buffer, _c1))
            {
                return false;
            }

            var response = _output.GetSpan(RtmpHandshake.ResponseLength);
            var uptime = (uint)_options.TimeProvider.GetTimestamp();
            HandshakeScheme = RtmpHandshake.WriteS0S1S2(_c1.AsSpan(0, RtmpHandshake.PacketLength), response, uptime);
            _output.Advance(RtmpHandshake.ResponseLength);
            _needsFlush = true;
            ArrayPool<byte>.Shared.Return(_c1);
            _c1 = null;
            _handshake = HandshakeState.AwaitingC2;
            return true;
        }

        if (!RtmpHandshake.TryReadC2(ref buffer))
        {
            return false;
        }

        _handshake = HandshakeState.Done;
        Volatile.Write(ref _lastActivity, _options.TimeProvider.GetTimestamp());
        var period = _limits.IdleTimeout / 4;
        _timer!.Change(period, period);
        return true;
    }

    private void OnTimeout()
    {
        if (_handshake == HandshakeState.Done
            && _options.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastActivity)) < _limits.IdleTimeout)
        {
            return;
        }

        _timedOut = true;
        _input.CancelPendingRead();
    }

    private async ValueTask<RtmpSessionEndReason?> HandleMessageAsync(RtmpMessage message, CancellationToken cancellationToken)
    {
        switch (message.Type)
        {
            case RtmpMessageType.Video:
                await HandleVideoAsync(message, cancellationToken).ConfigureAwait(false);
                return null;
            case RtmpMessageType.Audio:
                await HandleAudioAsync(message, cancellationToken).ConfigureAwait(false);
                return null;
            case RtmpMessageType.CommandAmf0:
                return await HandleCommandAsync(message, DecodeAmf(message.Payload, 0), cancellationToken).ConfigureAwait(false);
            case RtmpMessageType.CommandAmf3:
                return await HandleCommandAsync(message, DecodeAmf(message.Payload, 1), cancellationToken).ConfigureAwait(false);
            case RtmpMessageType.DataAmf0:
                await HandleDataAsync(message, DecodeAmf(message.Payload, 0), cancellationToken).ConfigureAwait(false);
                return null;
            case RtmpMessageType.DataAmf3:
                await HandleDataAsync(message, DecodeAmf(message.Payload, 1), cancellationToken).ConfigureAwait(false);
                return null;
            case RtmpMessageType.WindowAcknowledgementSize:
                _peerWindow = WindowAcknowledgementSize.Parse(message.Payload).WindowSize;
                return null;
            case RtmpMessageType.SetPeerBandwidth:
                _ = SetPeerBandwidth.Parse(message.Payload);
                return null;
            case RtmpMessageType.Acknowledgement:
                _ = Acknowledgement.Parse(message.Payload);
                return null;
            case RtmpMessageType.UserControl:
                var control = UserControlMessage.Parse(message.Payload);
                if (control.EventType == UserControlEventType.PingRequest)
                {
                    SendControl(UserControlMessage.PingResponse(control.Value));
                }

                return null;
            default:
                // Set Chunk Size and Abort were applied by the chunk reader; shared objects and aggregates are not used
                // by publishers and are ignored.
                return null;
        }
    }

    private void SendAcknowledgementIfDue()
    {
        var window = _peerWindow ?? _options.WindowAcknowledgementSize;
        var received = BytesReceived;
        if (received - _lastAcknowledged >= window)
        {
            _lastAcknowledged = received;
            Span<byte> payload = stackalloc byte[Acknowledgement.PayloadLength];
            new Acknowledgement(unchecked((uint)received)).Write(payload);
            WriteMessage(ControlChunkStreamId, RtmpMessageType.Acknowledgement, 0, payload);
        }
    }

    private void SendControl(UserControlMessage message)
    {
        Span<byte> payload = stackalloc byte[UserControlMessage.MaxPayloadLength];
        message.Write(payload);
        WriteMessage(ControlChunkStreamId, RtmpMessageType.UserControl, 0, payload[..message.PayloadLength]);
    }

    private void WriteMessage(int chunkStreamId, RtmpMessageType type, uint messageStreamId, ReadOnlySpan<byte> payload)
    {
        _chunkWriter.WriteMessage(_output, chunkStreamId, type, messageStreamId, 0, payload);
        _needsFlush = true;
    }

    private List<AmfValue> DecodeAmf(in ReadOnlySequence<byte> payload, int skip)
    {
        var body = payload.Slice(Math.Min(skip, payload.Length));
        try
        {
            if (body.IsSingleSegment)
            {
                return Amf0Reader.ReadAll(body.FirstSpan, _limits.Amf);
            }

            var rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
            try
            {
                body.CopyTo(rented);
                return Amf0Reader.ReadAll(rented.AsSpan(0, (int)body.Length), _limits.Amf);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        catch (MediaFormatException exception)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidCommand, $"Malformed AMF0 in a command or data message: {exception.Message}", exception);
            return null!;
        }
    }
}
