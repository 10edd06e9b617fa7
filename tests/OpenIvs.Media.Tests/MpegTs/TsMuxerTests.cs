using System.Buffers;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Tests.Fmp4;

namespace OpenIvs.Media.Tests.MpegTs;

public class TsMuxerTests
{
    [Fact]
    public void Crc32MatchesTheMpeg2CheckValue() =>
        Assert.Equal(0x0376E6E7u, Crc32Mpeg2.Compute("123456789"u8));

    [Fact]
    public void PatIsTheWellKnownSingleProgramPacket()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        muxer.WriteProgramTables(output);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(2 * 188, bytes.Length);

        // Program 1 on PMT PID 0x1000, transport_stream_id 1: the same section FFmpeg writes, CRC 2AB104B2.
        byte[] pat = [0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01, 0xF0, 0x00, 0x2A, 0xB1, 0x04, 0xB2];
        Assert.Equal(pat, bytes[..pat.Length]);
        Assert.All(bytes[pat.Length..188], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void PmtDeclaresH264AacAndTimedId3WithAValidCrc()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        muxer.WriteProgramTables(output);
        var pmt = output.WrittenSpan[188..].ToArray();
        Assert.Equal([0x47, 0x50, 0x00, 0x10, 0x00], pmt[..5]);
        var section = pmt.AsSpan(5);
        var length = ((section[1] & 0x0F) << 8) | section[2];
        Assert.Equal(0u, Crc32Mpeg2.Compute(section[..(3 + length)])); // CRC over the section including CRC_32 is 0
        Assert.Equal(0xE100, (section[8] << 8) | section[9]); // PCR_PID = video

        byte[] expectedStreams =
        [
            0x1B, 0xE1, 0x00, 0xF0, 0x00,
            0x0F, 0xE1, 0x01, 0xF0, 0x00,
            0x15, 0xE1, 0x02, 0xF0, 21,
            0x26, 13, 0xFF, 0xFF, .. "ID3 "u8, 0xFF, .. "ID3 "u8, 0x00, 0x0F,
            0x05, 4, .. "ID3 "u8,
        ];
        var programInfo = ((section[10] & 0x0F) << 8) | section[11];
        Assert.Equal(17, programInfo);
        Assert.Equal([0x25, 15, 0xFF, 0xFF, .. "ID3 "u8, 0xFF, .. "ID3 "u8, 0x00, 0x1F, 0x00, 0x01], section[12..29].ToArray());
        Assert.Equal(expectedStreams, section[29..(29 + expectedStreams.Length)].ToArray());
    }

    [Fact]
    public void VideoPesHasPcrRandomAccessPtsDtsAndAnnexBPayload()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        byte[] idr = [0, 0, 0, 3, 0x65, 0x88, 0x84];
        muxer.WriteVideo(output, idr, dts90: 90_000, pts90: 96_000, isKeyframe: true);
        var packet = output.WrittenSpan.ToArray();
        Assert.Equal(188, packet.Length);
        Assert.Equal([0x47, 0x41, 0x00, 0x30], packet[..4]); // PUSI, PID 0x100, AF + payload, CC 0

        var adaptationLength = packet[4];
        Assert.Equal(0x50, packet[5]); // random_access_indicator + PCR_flag
        Assert.Equal([0x00, 0x00, 0xAF, 0xC8, 0x7E, 0x00], packet[6..12]); // PCR base 90000
        var pes = packet.AsSpan(5 + adaptationLength).ToArray();
        byte[] expectedPes =
        [
            0, 0, 1, 0xE0, 0, 42, 0x84, 0xC0, 10,
            0x31, 0x00, 0x05, 0xEE, 0x01, // PTS 96000
            0x11, 0x00, 0x05, 0xBF, 0x21, // DTS 90000
            0, 0, 0, 1, 0x09, 0xF0, // AUD
            0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1E, // SPS from avcC
            0, 0, 0, 1, 0x68, 0xEE, 0x3C, 0x80, // PPS
            0, 0, 0, 1, 0x65, 0x88, 0x84, // the IDR slice
        ];
        Assert.Equal(expectedPes, pes);
        Assert.All(packet[12..(5 + adaptationLength)], b => Assert.Equal(0xFF, b)); // stuffing in the adaptation field
    }

    [Fact]
    public void LargePesSpansPacketsWithIncrementingContinuityCounters()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        var slice = new byte[4 + 3000];
        slice[2] = 0x0B;
        slice[3] = 0xB8;
        slice[4] = 0x41; // non-IDR slice
        for (var i = 0; i < 20; i++)
        {
            muxer.WriteVideo(output, slice, dts90: i * 3000, pts90: i * 3000, isKeyframe: false);
        }

        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(0, bytes.Length % 188);
        var expected = 0;
        for (var offset = 0; offset < bytes.Length; offset += 188)
        {
            Assert.Equal(0x47, bytes[offset]);
            Assert.Equal(expected, bytes[offset + 3] & 0x0F);
            expected = (expected + 1) & 0x0F;
        }

        Assert.True(bytes.Length / 188 > 16, "counters wrapped");
    }

    [Fact]
    public void NonKeyframeWithoutDtsGetsAudButNoParameterSets()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, null, includeMetadataStream: false);
        var output = new ArrayBufferWriter<byte>();
        muxer.WriteVideo(output, [0, 0, 0, 2, 0x09, 0xF0, 0, 0, 0, 2, 0x41, 0x9A], 3000, 3000, false);
        var packet = output.WrittenSpan.ToArray();
        Assert.Equal(0x10, packet[5]); // PCR only, no random access
        var pes = packet.AsSpan(5 + packet[4]).ToArray();
        Assert.Equal([0, 0, 1, 0xE0, 0, 20, 0x84, 0x80, 5, 0x21, 0x00, 0x01, 0x17, 0x71, 0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0x9A], pes);
    }

    [Fact]
    public void AudioPesCarriesAdtsFramesWithPtsOnly()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        ReadOnlyMemory<byte>[] frames = [new byte[] { 0xDE, 0xAD }, new byte[] { 0xBE }];
        muxer.WriteAudio(output, frames, pts90: 0);
        var packet = output.WrittenSpan.ToArray();
        Assert.Equal([0x47, 0x41, 0x01, 0x30], packet[..4]);
        var pes = packet.AsSpan(5 + packet[4]).ToArray();
        byte[] expected =
        [
            0, 0, 1, 0xC0, 0, 25, 0x84, 0x80, 5, 0x21, 0, 1, 0, 1,
            0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x3F, 0xFC, 0xDE, 0xAD,
            0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x1F, 0xFC, 0xBE,
        ];
        Assert.Equal(expected, pes);
    }

    [Fact]
    public void MetadataPesIsPrivateStream1OnTheId3Pid()
    {
        using var muxer = new TsMuxer(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio);
        var output = new ArrayBufferWriter<byte>();
        muxer.WriteMetadata(output, "ID3"u8, pts90: 0x1_0000_0000);
        var packet = output.WrittenSpan.ToArray();
        Assert.Equal([0x47, 0x41, 0x02, 0x30], packet[..4]);
        var pes = packet.AsSpan(5 + packet[4]).ToArray();
        Assert.Equal([0, 0, 1, 0xBD, 0, 11, 0x84, 0x80, 5, 0x29, 0x00, 0x01, 0x00, 0x01, .. "ID3"u8], pes);
    }
}
