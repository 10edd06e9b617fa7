using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using OpenIvs.Media.Fmp4;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Tests.Support;

namespace OpenIvs.Media.Tests.Fmp4;

public class Fmp4InitSegmentWriterTests
{
    // A minimal avcC: version 1, High@3.0, 4-byte lengths, one SPS [67 64 00 1E], one PPS [68 EE 3C 80].
    public static readonly byte[] AvcC = [1, 0x64, 0x00, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0x00, 0x1E, 1, 0, 4, 0x68, 0xEE, 0x3C, 0x80];

    public static readonly VideoTrackInfo Video = new(VideoCodec.Avc, "avc1.64001E", "High", "3.0", 1280, 720, 30, AvcC);

    // AAC-LC, 48 kHz, stereo.
    public static readonly AudioTrackInfo Audio = new("mp4a.40.2", 2, 48000, 2, [0x11, 0x90]);

    [Fact]
    public void WritesFtypAndMoovWithOneTrakPerTrack()
    {
        var bytes = Write(Video, Audio);
        Assert.Equal(Fmp4InitSegmentWriter.GetSize(Video, Audio), bytes.Length);
        Assert.Equal([0, 0, 0, 28, .. "ftyp"u8, .. "iso6"u8, 0, 0, 0, 0, .. "iso6"u8, .. "cmfc"u8, .. "mp41"u8], bytes[..28]);

        var top = Mp4SampleReader.Children(bytes, 0, bytes.Length).Select(b => b.Type).ToArray();
        Assert.Equal(["ftyp", "moov"], top);
        var moov = Mp4SampleReader.FindChild(bytes, 0, bytes.Length, "moov")!.Value;
        Assert.Equal(["mvhd", "trak", "trak", "mvex"], Mp4SampleReader.Children(bytes, moov.Body, moov.End).Select(b => b.Type));

        var traks = Mp4SampleReader.Children(bytes, moov.Body, moov.End, "trak").ToArray();
        var tkhd = Mp4SampleReader.FindChild(bytes, traks[0].Body, traks[0].End, "tkhd")!.Value;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tkhd.Body + 12)));
        Assert.Equal(1280u << 16, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tkhd.End - 8)));
        Assert.Equal(720u << 16, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(tkhd.End - 4)));

        Assert.Equal(90000u, Timescale(bytes, traks[0]));
        Assert.Equal(48000u, Timescale(bytes, traks[1]));

        // avcC body is the decoder configuration record verbatim.
        var avcCAt = bytes.AsSpan().IndexOf("avcC"u8);
        Assert.Equal(8 + AvcC.Length, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(avcCAt - 4)));
        Assert.Equal(AvcC, bytes[(avcCAt + 4)..(avcCAt + 4 + AvcC.Length)]);

        var mvex = Mp4SampleReader.FindChild(bytes, moov.Body, moov.End, "mvex")!.Value;
        var trex = Mp4SampleReader.Children(bytes, mvex.Body, mvex.End, "trex").ToArray();
        Assert.Equal([1u, 2u], trex.Select(t => BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(t.Body + 4))));
    }

    [Fact]
    public void EsdsCarriesTheAudioSpecificConfig()
    {
        var bytes = Write(null, Audio);
        var at = bytes.AsSpan().IndexOf("esds"u8) - 4;
        byte[] expected =
        [
            0, 0, 0, 39, .. "esds"u8, 0, 0, 0, 0,
            0x03, 25, 0, 0, 0, // ES_Descriptor, ES_ID 0, no flags
            0x04, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // DecoderConfigDescriptor: MPEG-4 audio
            0x05, 2, 0x11, 0x90, // DecoderSpecificInfo = ASC
            0x06, 1, 0x02, // SLConfigDescriptor
        ];
        Assert.Equal(expected, bytes[at..(at + expected.Length)]);
        Assert.Contains("soun", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.DoesNotContain("vide", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsNoTracks() =>
        Assert.Throws<ArgumentException>(() => Fmp4InitSegmentWriter.Write(new ArrayBufferWriter<byte>(), null, null));

    private static uint Timescale(byte[] bytes, Mp4SampleReader.Box trak)
    {
        var mdia = Mp4SampleReader.FindChild(bytes, trak.Body, trak.End, "mdia")!.Value;
        var mdhd = Mp4SampleReader.FindChild(bytes, mdia.Body, mdia.End, "mdhd")!.Value;
        return BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(mdhd.Body + 12));
    }

    private static byte[] Write(VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        var output = new ArrayBufferWriter<byte>();
        Fmp4InitSegmentWriter.Write(output, video, audio);
        return output.WrittenSpan.ToArray();
    }
}
