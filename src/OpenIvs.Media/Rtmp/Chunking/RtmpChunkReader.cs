using System.Buffers;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>
/// Reassembles RTMP messages from the chunk stream of one connection (after the handshake).
/// </summary>
/// <remarks>
/// <para><see cref="TryReadMessage"/> is a pure step over a <see cref="ReadOnlySequence{T}"/>: it consumes what it
/// can (whole chunk headers, and chunk payload bytes as they arrive), and returns <c>false</c> only when it needs
/// more bytes. Protocol violations and limit breaches throw <see cref="RtmpProtocolException"/>.</para>
/// <para>Limits are checked from the header, before anything is buffered: message length against
/// <see cref="RtmpLimits.MaxMessageLength"/>, the total of partially assembled messages against
/// <see cref="RtmpLimits.MaxInFlightBytes"/>, new chunk stream ids against <see cref="RtmpLimits.MaxChunkStreams"/>.
/// A message that fits in one chunk already present in the input is returned as a slice of the input without
/// copying; others are assembled in buffers rented from <see cref="ArrayPool{T}.Shared"/>, so the steady state
/// allocates nothing.</para>
/// <para>Set Chunk Size and Abort are applied here (they change how the next chunk is parsed) and still returned.
/// A type 3 chunk on a chunk stream whose last type 0/1/2 header used an extended timestamp carries the 4-byte
/// extended timestamp again (as the specification, FFmpeg and librtmp do).</para>
/// </remarks>
public sealed class RtmpChunkReader : IDisposable
{
    /// <summary>The chunk size of every RTMP connection until a Set Chunk Size.</summary>
    public const int DefaultChunkSize = 128;

    private readonly RtmpLimits _limits;
    private readonly Dictionary<int, ChunkStreamState> _streams = [];
    private ChunkStreamState? _current;
    private int _currentRemaining;
    private ChunkStreamState? _delivered;
    private long _inFlightBytes;

    public RtmpChunkReader(RtmpLimits? limits = null)
    {
        _limits = limits ?? new RtmpLimits();
    }

    /// <summary>The peer's current chunk size.</summary>
    public int ChunkSize { get; private set; } = DefaultChunkSize;

    /// <summary>Bytes consumed so far (headers and payloads), for acknowledgements.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Bytes reserved by partially assembled (or just delivered) messages.</summary>
    public long InFlightBytes => _inFlightBytes;

    /// <summary>Distinct chunk stream ids seen.</summary>
    public int ChunkStreamCount => _streams.Count;

    /// <summary>
    /// Consumes chunks from <paramref name="buffer"/> (slicing it forward) until one message is complete.
    /// </summary>
    /// <returns><c>true</c> with a message; <c>false</c> when more bytes are needed (all usable bytes are consumed).</returns>
    public bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out RtmpMessage message)
    {
        ReleaseDelivered();
        while (true)
        {
            if (_current is { } state)
            {
                if (buffer.IsEmpty)
                {
                    message = default;
                    return false;
                }

                var take = (int)Math.Min(_currentRemaining, buffer.Length);
                buffer.Slice(0, take).CopyTo(state.Buffer.AsSpan(state.Received));
                buffer = buffer.Slice(take);
                state.Received += take;
                _currentRemaining -= take;
                BytesRead += take;
                if (_currentRemaining > 0)
                {
                    message = default;
                    return false;
                }

                _current = null;
                if (state.Received == state.Length)
                {
                    state.Assembling = false;
                    _delivered = state;
                    message = new RtmpMessage(state.TypeId, state.MessageStreamId, state.Timestamp, state.ChunkStreamId,
                        new ReadOnlySequence<byte>(state.Buffer!, 0, state.Length));
                    ApplyControl(message);
                    return true;
                }

                continue;
            }

            if (!TryReadChunkHeader(buffer, out var headerLength, out var stream))
            {
                message = default;
                return false;
            }

            var remainingInMessage = stream.Length - stream.Received;
            var chunkLength = Math.Min(ChunkSize, remainingInMessage);
            if (!stream.Assembling && chunkLength == stream.Length && buffer.Length - headerLength >= chunkLength)
            {
                // The whole message is in this chunk and already in the input: hand out a slice, no copy.
                var payload = buffer.Slice(headerLength, chunkLength);
                buffer = buffer.Slice(payload.End);
                BytesRead += headerLength + chunkLength;
                message = new RtmpMessage(stream.TypeId, stream.MessageStreamId, stream.Timestamp, stream.ChunkStreamId, payload);
                ApplyControl(message);
                return true;
            }

            if (!stream.Assembling)
            {
                if (_inFlightBytes + stream.Length > _limits.MaxInFlightBytes)
                {
                    RtmpThrow.Protocol(RtmpProtocolError.InFlightBytesExceeded,
                        $"A {stream.Length}-byte message would take partially assembled data past {_limits.MaxInFlightBytes} bytes.");
                }

                stream.Buffer = ArrayPool<byte>.Shared.Rent(stream.Length);
                stream.Received = 0;
                stream.Assembling = true;
                _inFlightBytes += stream.Length;
            }

            buffer = buffer.Slice(headerLength);
            BytesRead += headerLength;
            _current = stream;
            _currentRemaining = chunkLength;
        }
    }

    /// <summary>Returns every pooled buffer; the reader must not be used afterwards.</summary>
    public void Dispose()
    {
        _delivered = null;
        _current = null;
        foreach (var stream in _streams.Values)
        {
            ReturnBuffer(stream);
        }

        _streams.Clear();
    }

    private bool TryReadChunkHeader(in ReadOnlySequence<byte> buffer, out int headerLength, out ChunkStreamState stream)
    {
        var reader = new SequenceReader<byte>(buffer);
        stream = null!;
        headerLength = 0;
        if (!ChunkBasicHeader.TryRead(ref reader, out var basic)
            || !ChunkMessageHeader.TryRead(ref reader, basic.Format, out var header))
        {
            return false;
        }

        _streams.TryGetValue(basic.ChunkStreamId, out var existing);
        if (existing is null && basic.Format != 0)
        {
            RtmpThrow.Protocol(RtmpProtocolError.MissingPreviousHeader,
                $"Chunk header type {basic.Format} on chunk stream {basic.ChunkStreamId} without a previous type 0 header.");
        }

        var extended = basic.Format == 3 ? existing!.HasExtendedTimestamp : header.HasExtendedTimestamp;
        var timestampValue = header.TimestampField;
        if (extended)
        {
            if (!reader.TryReadBigEndian(out int extendedValue))
            {
                return false;
            }

            timestampValue = (uint)extendedValue;
        }

        // The whole header is present: validate, then commit it to the chunk stream state.
        if (existing is not null && existing.Assembling && basic.Format != 3)
        {
            RtmpThrow.Protocol(RtmpProtocolError.HeaderInterruptsMessage,
                $"Chunk header type {basic.Format} on chunk stream {basic.ChunkStreamId} while a message is incomplete.");
        }

        if (basic.Format <= 1 && header.Length > _limits.MaxMessageLength)
        {
            RtmpThrow.Protocol(RtmpProtocolError.MessageTooLarge,
                $"Message of {header.Length} bytes exceeds the limit of {_limits.MaxMessageLength}.");
        }

        if (existing is null)
        {
            if (_streams.Count >= _limits.MaxChunkStreams)
            {
                RtmpThrow.Protocol(RtmpProtocolError.TooManyChunkStreams,
                    $"More than {_limits.MaxChunkStreams} chunk streams on one connection.");
            }

            existing = new ChunkStreamState(basic.ChunkStreamId);
            _streams.Add(basic.ChunkStreamId, existing);
        }

        stream = existing;
        switch (basic.Format)
        {
            case 0:
                stream.Timestamp = timestampValue;
                stream.TimestampDelta = timestampValue;
                stream.HasExtendedTimestamp = extended;
                stream.Length = header.Length;
                stream.TypeId = header.TypeId;
                stream.MessageStreamId = header.MessageStreamId;
                break;
            case 1:
                stream.TimestampDelta = timestampValue;
                stream.Timestamp += timestampValue;
                stream.HasExtendedTimestamp = extended;
                stream.Length = header.Length;
                stream.TypeId = header.TypeId;
                break;
            case 2:
                stream.TimestampDelta = timestampValue;
                stream.Timestamp += timestampValue;
                stream.HasExtendedTimestamp = extended;
                break;
            default:
                if (!stream.Assembling)
                {
                    stream.Timestamp += extended ? timestampValue : stream.TimestampDelta;
                }

                break;
        }

        headerLength = (int)reader.Consumed;
        return true;
    }

    private void ApplyControl(in RtmpMessage message)
    {
        switch (message.Type)
        {
            case RtmpMessageType.SetChunkSize:
                ChunkSize = SetChunkSize.Parse(message.Payload, _limits.MaxChunkSize).ChunkSize;
                break;
            case RtmpMessageType.Abort:
                var abort = AbortMessage.Parse(message.Payload);
                if (_streams.TryGetValue(abort.ChunkStreamId, out var stream) && stream.Assembling)
                {
                    ReturnBuffer(stream);
                }

                break;
        }
    }

    private void ReleaseDelivered()
    {
        if (_delivered is { } delivered)
        {
            _delivered = null;
            ReturnBuffer(delivered);
        }
    }

    private void ReturnBuffer(ChunkStreamState stream)
    {
        if (stream.Buffer is { } rented)
        {
            stream.Buffer = null;
            ArrayPool<byte>.Shared.Return(rented);
            _inFlightBytes -= stream.Length;
        }

        stream.Assembling = false;
        stream.Received = 0;
    }
}
