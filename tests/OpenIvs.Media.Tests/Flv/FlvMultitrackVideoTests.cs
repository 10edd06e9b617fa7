using System.Buffers;
using CsCheck;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Testing;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Media.Tests.Flv;

/// <summary>Enhanced RTMP multitrack video messages, byte by byte, at every split of the message.</summary>
public class FlvMultitrackVideoTests
{
    private const string Target = "Multitrack";

    private static List<FlvVideoTrackPacket> ParseAtEverySplit(string hex, Action<List<FlvVideoTrackPacket>> check)
    {
        var bytes = Hex.Bytes(hex);
        List<FlvVideoTrackPacket> packets = [];
        for (var split = 0; split <= bytes.Length; split++)
        {
            packets = [];
            FlvMultitrackVideo.Parse(Sequences.Create(bytes, split), packets);
            check(packets);
        }

        return packets;
    }

    [Fact]
    public void OneTrackHasNoSizeAndTakesTheRest()
    {
        // keyframe, multitrack | OneTrack, CodedFrames | avc1 | track 2 | cto 40 | data
        ParseAtEverySplit("96 01 61 76 63 31 02 00 00 28 AA BB CC", packets =>
        {
            var packet = Assert.Single(packets);
            Assert.Equal(2, packet.TrackId);
            Assert.Equal(VideoCodec.Avc, packet.Codec);
            Assert.Equal(FlvVideoPacketType.CodedFrames, packet.PacketType);
            Assert.Equal(40, packet.CompositionTimeOffset);
            Assert.Equal(Hex.Bytes("AA BB CC"), packet.Body.ToArray<byte>());
        });
    }

    [Fact]
    public void ManyTracksShareOneFourCcAndEachHasASize()
    {
        // ManyTracks, SequenceStart | avc1 | track 0, 2 bytes | track 1, 1 byte
        ParseAtEverySplit("96 10 61 76 63 31 00 00 00 02 AA BB 01 00 00 01 CC", packets =>
        {
            Assert.Equal([0, 1], packets.Select(p => (int)p.TrackId));
            Assert.All(packets, p => Assert.Equal(FlvVideoPacketType.SequenceStart, p.PacketType));
            Assert.All(packets, p => Assert.Equal(FlvFourCc.Avc1, p.FourCc));
            Assert.Equal(Hex.Bytes("AA BB"), packets[0].Body.ToArray<byte>());
            Assert.Equal(Hex.Bytes("CC"), packets[1].Body.ToArray<byte>());
        });
    }

    [Fact]
    public void ManyTracksManyCodecsCarryAFourCcPerTrack()
    {
        // ManyTracksManyCodecs, CodedFrames | avc1 track 0 (5 bytes: cto 0, AA BB) | hvc1 track 1 (4 bytes: cto -1, CC)
        ParseAtEverySplit("A6 21 61 76 63 31 00 00 00 05 00 00 00 AA BB 68 76 63 31 01 00 00 04 FF FF FF CC", packets =>
        {
            Assert.Equal([VideoCodec.Avc, VideoCodec.Hevc], packets.Select(p => p.Codec!.Value));
            Assert.Equal([0, -1], packets.Select(p => p.CompositionTimeOffset));
            Assert.Equal(Hex.Bytes("AA BB"), packets[0].Body.ToArray<byte>());
            Assert.Equal(Hex.Bytes("CC"), packets[1].Body.ToArray<byte>());
        });
    }

    [Fact]
    public void Av1AndCodedFramesXHaveNoCompositionOffset()
    {
        ParseAtEverySplit("96 01 61 76 30 31 03 AA", packets => Assert.Equal(Hex.Bytes("AA"), Assert.Single(packets).Body.ToArray<byte>()));
        ParseAtEverySplit("96 03 61 76 63 31 03 AA", packets => Assert.Equal(Hex.Bytes("AA"), Assert.Single(packets).Body.ToArray<byte>()));
    }

    [Fact]
    public void TheTestBuilderWritesWhatTheParserReads()
    {
        var bytes = MultitrackVideoMessages.Build(keyframe: false, 1,
            new MultitrackVideoMessages.Track(0, MultitrackVideoMessages.Avc1, [1, 2, 3], 80),
            new MultitrackVideoMessages.Track(4, MultitrackVideoMessages.Hvc1, [4], -2));
        Assert.Equal(Hex.Bytes("A6 21 61 76 63 31 00 00 00 06 00 00 50 01 02 03 68 76 63 31 04 00 00 04 FF FF FE 04"), bytes);
        Assert.Equal(FlvVideoPacketType.Multitrack, FlvVideoTagHeader.Parse(bytes).PacketType);
        Assert.Equal(FlvVideoFrameType.InterFrame, FlvVideoTagHeader.Parse(bytes).FrameType);
        Assert.Equal(1, FlvVideoTagHeader.Parse(bytes).HeaderLength);
    }

    [Theory]
    [InlineData("96", MediaFormatError.Truncated)]
    [InlineData("96 01 61 76 63", MediaFormatError.Truncated)]
    [InlineData("96 01 61 76 63 31", MediaFormatError.Truncated)] // no track id
    [InlineData("96 01 61 76 63 31 00 00 00", MediaFormatError.Truncated)] // AVC coded frames without a whole offset
    [InlineData("96 11 61 76 63 31 00 00 00 09 00 00 00 AA", MediaFormatError.Truncated)] // size beyond the message
    [InlineData("96 11 61 76 63 31 00 00", MediaFormatError.Truncated)] // truncated size
    [InlineData("96 31 61 76 63 31 00 AA", MediaFormatError.InvalidValue)] // AvMultitrackType 3
    [InlineData("96 16 61 76 63 31 00 AA", MediaFormatError.Unsupported)] // multitrack inside multitrack
    [InlineData("96 17 61 76 63 31 00 AA", MediaFormatError.Unsupported)] // ModEx inside
    [InlineData("91 01 61 76 63 31 00 AA", MediaFormatError.InvalidValue)] // not a multitrack message
    public void BadMessagesFailWithTheTypedError(string hex, MediaFormatError expected)
    {
        var error = Assert.Throws<MediaFormatException>(() => FlvMultitrackVideo.Parse(Sequences.Create(Hex.Bytes(hex)), []));
        Assert.Equal(expected, error.Error);
    }

    private static void Body(byte[] input) => FlvMultitrackVideo.Parse(Sequences.Create(input), []);

    // A packet per track: at most one per 5 bytes of input, each a few dozen bytes in the list.
    private static long AllocationBound(byte[] input) => 16 * 1024 + 64L * input.Length;

    private static readonly Gen<byte[]> s_valid =
        from keyframe in Gen.Bool
        from packetType in Gen.Byte[0, 3]
        from tracks in Gen.Select(Gen.Byte[0, 6], Gen.Bool, Gen.Byte.Array[0, 40], Gen.Int[-1000, 1000]).Array[1, 5]
        select MultitrackVideoMessages.Build(keyframe, packetType,
            [.. tracks.Select(t => new MultitrackVideoMessages.Track(t.Item1, t.Item2 ? MultitrackVideoMessages.Avc1 : MultitrackVideoMessages.Hvc1, t.Item3, t.Item4))]);

    [Fact]
    public void ValidMessagesParseToTheirTracks() =>
        s_valid.Sample(bytes => FlvMultitrackVideo.Parse(Sequences.Create(bytes, bytes.Length / 2), []), iter: 2000);

    [Fact]
    public void MutatedMessagesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Fuzz.Mutations(s_valid), Body, e => e is MediaFormatException, AllocationBound, iterations: 20_000);

    [Fact]
    public void RandomBytesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Gen.Byte.Array[0, 256].Select(b => b.Length > 0 ? [0x96, .. b[1..]] : b), Body, e => e is MediaFormatException, AllocationBound, iterations: 20_000);

    public static IEnumerable<object[]> SavedInputs => TestFiles.FuzzInputs(Target);

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void SavedInputsStayFixed(string file) =>
        Assert.Null(Fuzz.Check(TestFiles.Read(Path.Combine("Fuzz", Target, file)), Body, e => e is MediaFormatException, AllocationBound));
}
