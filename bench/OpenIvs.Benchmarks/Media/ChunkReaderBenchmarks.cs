using System.Buffers;
using BenchmarkDotNet.Attributes;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Benchmarks.Media;

/// <summary>
/// The RTMP chunk reader reassembling a realistic publish: the 2 s 720p30 H.264 + AAC ffmpeg clip, chunked at 4096
/// as encoders do, presented as 4 KiB (pipe-like) segments. One operation = the whole clip (one Set Chunk Size plus
/// every FLV tag as a message).
/// </summary>
[MemoryDiagnoser]
public class ChunkReaderBenchmarks
{
    private ReadOnlySequence<byte> _stream;
    private RtmpChunkReader _reader = null!;

    public int Messages { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var file = new ReadOnlySequence<byte>(BenchmarkData.Read("Flv/h264_high_720p30_aac48k.flv"));
        FlvFileReader.TryReadHeader(ref file, out _);
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        var chunkSize = new byte[4];
        new SetChunkSize(4096).Write(chunkSize);
        writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, chunkSize);
        writer.ChunkSize = 4096;
        Messages = 1;
        while (FlvFileReader.TryReadTag(ref file, out var tag))
        {
            writer.WriteMessage(output, tag.Type == FlvTagType.Video ? 6 : 4, (RtmpMessageType)tag.Type, 1, tag.Timestamp, tag.Data.ToArray());
            Messages++;
        }

        _stream = Segments(output.WrittenMemory, 4096);
        _reader = new RtmpChunkReader(new RtmpLimits());
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    [Benchmark]
    public long ReassembleClip()
    {
        var buffer = _stream;
        long bytes = 0;
        while (_reader.TryReadMessage(ref buffer, out var message))
        {
            bytes += message.Length;
        }

        return bytes;
    }

    private static ReadOnlySequence<byte> Segments(ReadOnlyMemory<byte> data, int size)
    {
        var first = new Segment(data[..size], 0);
        var last = first;
        for (var offset = size; offset < data.Length; offset += size)
        {
            last = last.Append(data[offset..Math.Min(data.Length, offset + size)]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
