using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Fmp4;

namespace OpenIvs.Media.Tests.Fmp4;

public class Fmp4FragmentWriterTests
{
    private static readonly byte[] VideoKey = [0, 0, 0, 2, 0x65, 0x88];
    private static readonly byte[] VideoB = [0, 0, 0, 1, 0x01];
    private static readonly byte[] Aac = [0x21, 0x10, 0x04];

    [Fact]
    public void WritesMoofWithExactBoxBytesAndMdatAfterIt()
    {
        var video = new[]
        {
            new Fmp4Sample(VideoKey, 3000, 6000, IsSync: true),
            new Fmp4Sample(VideoB, 3000, -3000, IsSync: false),
        };
        var audio = new[] { new Fmp4Sample(Aac, 1024, 0, IsSync: true) };
        var runs = new[]
        {
            new Fmp4TrackRun(1, 90_000, video, WriteCompositionOffsets: true),
            new Fmp4TrackRun(2, 48_000, audio, WriteCompositionOffsets: false),
        };
        var output = new ArrayBufferWriter<byte>();
        Fmp4FragmentWriter.Write(output, 7, runs, []);
        var bytes = output.WrittenSpan.ToArray();

        var moofSize = 8 + 16 + (8 + 16 + 20 + 20 + 2 * 16) + (8 + 16 + 20 + 20 + 12);
        Assert.Equal(moofSize, Fmp4FragmentWriter.GetMovieFragmentSize(runs));
        Assert.Equal(Fmp4FragmentWriter.GetSize(runs, [], false), bytes.Length);
        Assert.Equal(moofSize + 8 + VideoKey.Length + VideoB.Length + Aac.Length, bytes.Length);

        byte[] expectedHead =
        [
            .. U32(moofSize), .. "moof"u8,
            0, 0, 0, 16, .. "mfhd"u8, 0, 0, 0, 0, 0, 0, 0, 7,
            .. U32(8 + 16 + 20 + 20 + 32), .. "traf"u8,
            0, 0, 0, 16, .. "tfhd"u8, 0, 0x02, 0, 0, 0, 0, 0, 1,
            0, 0, 0, 20, .. "tfdt"u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x5F, 0x90,
            0, 0, 0, 52, .. "trun"u8, 1, 0, 0x0F, 0x01, 0, 0, 0, 2, .. U32(moofSize + 8),
            0, 0, 0x0B, 0xB8, 0, 0, 0, 6, 0x02, 0, 0, 0, 0, 0, 0x17, 0x70,
            0, 0, 0x0B, 0xB8, 0, 0, 0, 5, 0x01, 0x01, 0, 0, 0xFF, 0xFF, 0xF4, 0x48,
        ];
        Assert.Equal(expectedHead, bytes[..expectedHead.Length]);

        // Audio trun: no composition offsets (flags 0x701), data offset after the video samples.
        var audioTrun = expectedHead.Length + 8 + 16 + 20;
        byte[] expectedAudioTrun =
        [
            0, 0, 0, 32, .. "trun"u8, 1, 0, 0x07, 0x01, 0, 0, 0, 1, .. U32(moofSize + 8 + 11),
            0, 0, 0x04, 0, 0, 0, 0, 3, 0x02, 0, 0, 0,
        ];
        Assert.Equal(expectedAudioTrun, bytes[audioTrun..(audioTrun + expectedAudioTrun.Length)]);

        Assert.Equal([.. U32(8 + 14), .. "mdat"u8, .. VideoKey, .. VideoB, .. Aac], bytes[moofSize..]);
    }

    [Fact]
    public void EventMessagesAndSegmentTypePrecedeMoof()
    {
        var message = new Fmp4EventMessage(Fmp4EventMessage.Id3SchemeIdUri, string.Empty, 90_000, 180_000, 0xFFFFFFFF, 5, new byte[] { 0xAA, 0xBB });
        var runs = new[] { new Fmp4TrackRun(1, 0, new[] { new Fmp4Sample(VideoKey, 3000, 0, true) }, true) };
        var output = new ArrayBufferWriter<byte>();
        Fmp4FragmentWriter.Write(output, 1, runs, [message], writeSegmentType: true);
        var bytes = output.WrittenSpan.ToArray();

        byte[] styp = [0, 0, 0, 24, .. "styp"u8, .. "msdh"u8, 0, 0, 0, 0, .. "msdh"u8, .. "msix"u8];
        Assert.Equal(styp, bytes[..24]);

        var scheme = "https://aomedia.org/emsg/ID3"u8;
        var emsgSize = 12 + 4 + 8 + 4 + 4 + scheme.Length + 1 + 1 + 2;
        byte[] emsg =
        [
            .. U32(emsgSize), .. "emsg"u8, 1, 0, 0, 0,
            0, 1, 0x5F, 0x90, // timescale 90000
            0, 0, 0, 0, 0, 2, 0xBF, 0x20, // presentation_time 180000
            0xFF, 0xFF, 0xFF, 0xFF, // event_duration unknown
            0, 0, 0, 5, // id
            .. scheme, 0, // scheme_id_uri
            0, // value ""
            0xAA, 0xBB,
        ];
        Assert.Equal(emsg, bytes[24..(24 + emsgSize)]);
        Assert.Equal("moof"u8.ToArray(), bytes[(24 + emsgSize + 4)..(24 + emsgSize + 8)]);
        Assert.Equal(Fmp4FragmentWriter.GetSize(runs, [message], true), bytes.Length);
    }

    [Fact]
    public void EmptyRunsWriteNoTrackFragment()
    {
        var runs = new[]
        {
            new Fmp4TrackRun(1, 0, new[] { new Fmp4Sample(VideoKey, 3000, 0, true) }, true),
            new Fmp4TrackRun(2, 0, ReadOnlyMemory<Fmp4Sample>.Empty, false),
        };
        var output = new ArrayBufferWriter<byte>();
        Fmp4FragmentWriter.Write(output, 1, runs, []);
        var bytes = output.WrittenSpan.ToArray();
        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        Assert.Equal(8 + 16 + 8 + 16 + 20 + 20 + 16, moofSize);
        Assert.Equal(1, CountType(bytes, "traf"u8));
    }

    private static int CountType(byte[] bytes, ReadOnlySpan<byte> type)
    {
        var count = 0;
        for (var i = 0; i + 4 <= bytes.Length; i++)
        {
            if (bytes.AsSpan(i, 4).SequenceEqual(type))
            {
                count++;
            }
        }

        return count;
    }

    private static byte[] U32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }
}
