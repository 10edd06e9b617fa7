using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Chunking;

/// <summary>
/// Splits outgoing messages into chunks of <see cref="ChunkSize"/> and writes them to an
/// <see cref="IBufferWriter{T}"/>. Headers are compressed per chunk stream the way common encoders do
/// (type 1 for the same message stream, type 2 for the same length and type, type 3 for the same delta).
/// </summary>
public sealed class RtmpChunkWriter
{
    private const int MaxHeaderLength = ChunkBasicHeader.MaxLength + 11 + 4;

    private readonly Dictionary<int, Previous> _previous = [];
    private int _chunkSize = RtmpChunkReader.DefaultChunkSize;

    /// <summary>Our chunk size. Change it right after writing a Set Chunk Size message with the same value.</summary>
    public int ChunkSize
    {
        get => _chunkSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 0xFFFFFF);
            _chunkSize = value;
        }
    }

    /// <summary>When false every message starts with a type 0 header (useful in tests). Default true.</summary>
    public bool CompressHeaders { get; set; } = true;

    public void WriteMessage(IBufferWriter<byte> output, int chunkStreamId, RtmpMessageType type, uint messageStreamId, uint timestamp, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, 0xFFFFFF, nameof(payload));
        var hasPrevious = _previous.TryGetValue(chunkStreamId, out var previous);
        var format = 0;
        var timestampValue = timestamp;
        if (CompressHeaders && hasPrevious && previous.MessageStreamId == messageStreamId && timestamp >= previous.Timestamp)
        {
            timestampValue = timestamp - previous.Timestamp;
            format = 1;
            if (previous.Length == payload.Length && previous.Type == type)
            {
                format = timestampValue == previous.Delta ? 3 : 2;
            }
        }

        var extended = format == 3 ? previous.Extended : timestampValue >= ChunkMessageHeader.ExtendedTimestampMarker;
        var header = new ChunkMessageHeader(
            Math.Min(timestampValue, ChunkMessageHeader.ExtendedTimestampMarker), payload.Length, type, messageStreamId);
        _previous[chunkStreamId] = new Previous(messageStreamId, timestamp, format == 3 ? previous.Delta : timestampValue, payload.Length, type, extended);

        var offset = 0;
        var chunkFormat = format;
        do
        {
            var chunk = Math.Min(_chunkSize, payload.Length - offset);
            var span = output.GetSpan(MaxHeaderLength + chunk);
            var written = new ChunkBasicHeader(chunkFormat, chunkStreamId).Write(span);
            written += header.Write(chunkFormat, span[written..]);
            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(span[written..], timestampValue);
                written += 4;
            }

            payload.Slice(offset, chunk).CopyTo(span[written..]);
            output.Advance(written + chunk);
            offset += chunk;
            chunkFormat = 3;
        }
        while (offset < payload.Length);
    }

    /// <summary>Forgets the header state of every chunk stream (the next message on each starts with type 0).</summary>
    public void Reset() => _previous.Clear();

    private readonly record struct Previous(uint MessageStreamId, uint Timestamp, uint Delta, int Length, RtmpMessageType Type, bool Extended);
}
