using System.Buffers;
using System.IO.Pipelines;
using CsCheck;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Media.Tests.Testing;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Media.Tests.Rtmp.Session;

/// <summary>
/// Whole-session fuzzing: a recorded publish (handshake, commands, metadata, media of the baseline clip) with bytes
/// mutated after the handshake. The session may end normally or with <see cref="RtmpProtocolException"/>, nothing else.
/// </summary>
public class RtmpServerSessionFuzzTests
{
    private const string Target = "Session";
    private const string MultitrackTarget = "MultitrackSession";

    private static readonly Lazy<byte[]> s_publish = new(() => BuildPublish(multitrack: false));
    private static readonly Lazy<byte[]> s_multitrackPublish = new(() => BuildPublish(multitrack: true));

    /// <summary>The clip's publish; <paramref name="multitrack"/> sends its video as two Enhanced RTMP tracks (0 and 1).</summary>
    private static byte[] BuildPublish(bool multitrack)
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write<byte>([3, .. new byte[1536], .. new byte[1536]]); // C0, C1 (plain), C2 (not checked)
        var writer = new RtmpChunkWriter();
        void Command(uint stream, params AmfValue[] values) =>
            writer.WriteMessage(output, 3, RtmpMessageType.CommandAmf0, stream, 0, RtmpTestClient.Encode(values));
        Command(0, "connect", 1.0, AmfValue.Object(AmfValue.Property("app", "app"), AmfValue.Property("tcUrl", "rtmp://h/app")));
        var chunkSize = new byte[4];
        new SetChunkSize(256).Write(chunkSize);
        writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, chunkSize);
        writer.ChunkSize = 256;
        Command(0, "createStream", 2.0, AmfValue.Null);
        Command(1, "publish", 3.0, AmfValue.Null, "key", "live");
        foreach (var (type, timestamp, data) in TestFiles.ReadFlvTags("Flv/h264_baseline_360p25_aac44k.flv").Take(40))
        {
            writer.WriteMessage(output, type == FlvTagType.Video ? 6 : 4, (RtmpMessageType)type, 1, timestamp,
                multitrack && type == FlvTagType.Video ? AsTwoTracks(data) : data);
        }

        Command(0, "deleteStream", 4.0, AmfValue.Null, 1.0);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A legacy AVC video tag as a multitrack message carrying it twice, as tracks 0 and 1.</summary>
    private static byte[] AsTwoTracks(byte[] tag)
    {
        var offset = (tag[2] << 24 | tag[3] << 16 | tag[4] << 8) >> 8;
        return MultitrackVideoMessages.Build(tag[0] >> 4 == 1, tag[1],
            new MultitrackVideoMessages.Track(0, MultitrackVideoMessages.Avc1, tag[5..], offset),
            new MultitrackVideoMessages.Track(1, MultitrackVideoMessages.Avc1, tag[5..], offset));
    }

    private static void Body(byte[] input) => Task.Run(() => RunAsync(input)).GetAwaiter().GetResult();

    private static async Task<RecordingPublishHandler> RunAsync(byte[] input)
    {
        var toServer = new Pipe();
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var handler = new RecordingPublishHandler();
        var session = new RtmpServerSession(toServer.Reader, toClient.Writer, handler);
        var run = session.RunAsync(CancellationToken.None);
        await toServer.Writer.WriteAsync(input);
        await toServer.Writer.CompleteAsync();
        try
        {
            await run;
            return handler;
        }
        finally
        {
            await toClient.Writer.CompleteAsync();
        }
    }

    private static long AllocationBound(byte[] input) => 16L * 1024 * 1024;

    private static Gen<byte[]> Mutated(byte[] publish) =>
        from edits in Gen.Select(Gen.Int[0, 2], Gen.Int[3073, publish.Length - 1], Gen.Byte).Array[1, 4]
        select Mutate(publish, edits);

    private static byte[] Mutate(byte[] publish, (int Kind, int Position, byte Value)[] edits)
    {
        var bytes = publish.ToList();
        foreach (var (kind, position, value) in edits)
        {
            var at = Math.Min(position, bytes.Count - 1);
            switch (kind)
            {
                case 0:
                    bytes[at] ^= (byte)(1 << (value & 7));
                    break;
                case 1:
                    bytes[at] = value;
                    break;
                default:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + value % 4));
                    break;
            }
        }

        return bytes.ToArray();
    }

    [Fact]
    public async Task UnmutatedPublishEndsNormally()
    {
        Assert.Null(Fuzz.Check(s_publish.Value, Body, _ => false, AllocationBound));
        var handler = await Task.Run(() => RunAsync(s_publish.Value));
        Assert.Single(handler.VideoConfigs);
        Assert.Single(handler.AudioConfigs);
        Assert.True(handler.Frames.Count > 20);
        Assert.Equal([RtmpSessionEndReason.Unpublished], handler.Unpublishes);
    }

    [Fact]
    public void MutatedPublishesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Mutated(s_publish.Value), Body, e => e is RtmpProtocolException, AllocationBound, iterations: 1500);

    [Fact]
    public async Task UnmutatedMultitrackPublishEndsNormally()
    {
        Assert.Null(Fuzz.Check(s_multitrackPublish.Value, Body, _ => false, AllocationBound));
        var handler = await Task.Run(() => RunAsync(s_multitrackPublish.Value));
        Assert.Single(handler.VideoConfigs);
        Assert.Single(handler.TrackConfigs);
        Assert.Equal(handler.Video.Count(), handler.TrackFrames.Count);
        Assert.True(handler.TrackFrames.Count > 10);
    }

    [Fact]
    public void MutatedMultitrackPublishesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(MultitrackTarget, Mutated(s_multitrackPublish.Value), Body, e => e is RtmpProtocolException, AllocationBound, iterations: 1500);

    public static IEnumerable<object[]> SavedInputs => TestFiles.FuzzInputs(Target);

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void SavedInputsStayFixed(string file) =>
        Assert.Null(Fuzz.Check(TestFiles.Read(Path.Combine("Fuzz", Target, file)), Body, e => e is RtmpProtocolException, AllocationBound));
}
