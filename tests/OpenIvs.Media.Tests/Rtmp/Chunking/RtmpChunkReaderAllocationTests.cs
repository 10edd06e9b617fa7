using System.Buffers;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class RtmpChunkReaderAllocationTests
{
    [Fact]
    public void SteadyStateReadingAllocatesNothingPerMessage()
    {
        // A realistic publish: the 720p clip's tags chunked at 4096, presented in 4 KiB pipe-like segments.
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        var setChunkSize = new byte[4];
        new SetChunkSize(4096).Write(setChunkSize);
        writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, setChunkSize);
        writer.ChunkSize = 4096;
        var tags = TestFiles.ReadFlvTags("Flv/h264_high_720p30_aac48k.flv");
        for (var round = 0; round < 5; round++)
        {
            foreach (var (type, timestamp, data) in tags)
            {
                writer.WriteMessage(output, type == Media.Flv.FlvTagType.Audio ? 4 : 6, (RtmpMessageType)type, 1, timestamp + (uint)round * 2000, data);
            }
        }

        var bytes = output.WrittenSpan.ToArray();
        var sequence = Sequences.Create(bytes, Enumerable.Range(1, bytes.Length / 4096).Select(i => i * 4096).ToArray());
        using var reader = new RtmpChunkReader(new RtmpLimits());
        var expected = ReadAll(reader, sequence); // warm up the pool and the chunk stream table
        Assert.Equal(tags.Count * 5 + 1, expected);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var messages = 0;
        for (var pass = 0; pass < 20; pass++)
        {
            messages += ReadAll(reader, sequence);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(expected * 20, messages);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated over {messages} messages");
    }

    private static int ReadAll(RtmpChunkReader reader, ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        long checksum = 0;
        while (reader.TryReadMessage(ref buffer, out var message))
        {
            checksum += message.Length;
            count++;
        }

        Assert.True(buffer.IsEmpty && checksum > 0);
        return count;
    }
}
