using System.Buffers;
using CsCheck;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Chunking;

public class RtmpChunkReaderFuzzTests
{
    private const string Target = "ChunkReader";

    private static readonly RtmpLimits s_limits = new()
    {
        MaxChunkSize = 64 * 1024,
        MaxMessageLength = 64 * 1024,
        MaxInFlightBytes = 256 * 1024,
        MaxChunkStreams = 8,
    };

    private static RtmpChunkReader? s_reader;

    private static bool ReadOne(ref ReadOnlySequence<byte> buffer, out RtmpMessage message)
    {
        s_reader ??= new RtmpChunkReader(s_limits);
        var read = s_reader.TryReadMessage(ref buffer, out message);
        if (!read)
        {
            return false;
        }

        Assert.InRange(s_reader.InFlightBytes, 0, s_limits.MaxInFlightBytes);
        return true;
    }

    private static void Body(byte[] input)
    {
        try
        {
            ReadEverythingWithFreshReaders(input);
        }
        finally
        {
            s_reader?.Dispose();
            s_reader = null;
        }
    }

    private static void ReadEverythingWithFreshReaders(byte[] input)
    {
        foreach (var split in new[] { 0, input.Length / 2, 1 })
        {
            s_reader?.Dispose();
            s_reader = new RtmpChunkReader(s_limits);
            try
            {
                var lengths = Sequences.Feed<RtmpMessage, int>(input, [split], ReadOne, m => m.Length);
                Assert.All(lengths, length => Assert.InRange(length, 0, s_limits.MaxMessageLength));
            }
            catch (RtmpProtocolException)
            {
            }
        }
    }

    private static long AllocationBound(byte[] input) => 1024 * 1024 + 64L * input.Length;

    private static Gen<byte[]> ValidStreams =>
        RtmpChunkWriterTests.Streams.Select(stream =>
        {
            var writer = new RtmpChunkWriter();
            var output = new ArrayBufferWriter<byte>();
            var setChunkSize = new byte[4];
            new SetChunkSize(stream.ChunkSize).Write(setChunkSize);
            writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, setChunkSize);
            writer.ChunkSize = stream.ChunkSize;
            foreach (var m in stream.Messages.Where(m => m.ChunkStreamId < 10))
            {
                writer.WriteMessage(output, m.ChunkStreamId, m.Type, m.MessageStreamId, m.Timestamp, m.Payload);
            }

            return output.WrittenSpan.ToArray();
        });

    [Fact]
    public void RandomBytesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Gen.Byte.Array[0, 2048], Body, e => e is RtmpProtocolException, AllocationBound, iterations: 5000);

    [Fact]
    public void MutatedStreamsOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Fuzz.Mutations(ValidStreams), Body, e => e is RtmpProtocolException, AllocationBound, iterations: 3000);

    public static IEnumerable<object[]> SavedInputs => TestFiles.FuzzInputs(Target);

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void SavedInputsStayFixed(string file)
    {
        var input = TestFiles.Read(Path.Combine("Fuzz", Target, file));
        Body(input); // warm up
        Assert.Null(Fuzz.Check(input, Body, e => e is RtmpProtocolException, AllocationBound));
    }
}
