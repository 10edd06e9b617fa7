using OpenIvs.Media.Codecs;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Codecs;

public class BitReaderTests
{
    [Fact]
    public void ReadsExpGolombCodes()
    {
        // 1 | 010 | 011 | 00100 | 00101 | 011 (se=-1) | 010 (se=+1) | 00000000 1 00000000 (ue=255)
        var bits = "1" + "010" + "011" + "00100" + "00101" + "011" + "010" + "00000000" + "1" + "00000000";
        var bytes = Enumerable.Range(0, (bits.Length + 7) / 8).Select(i => Convert.ToByte(bits.PadRight((bits.Length + 7) / 8 * 8, '0').Substring(i * 8, 8), 2)).ToArray();
        var reader = new BitReader(bytes);
        Assert.Equal(0u, reader.ReadUnsignedExpGolomb());
        Assert.Equal(1u, reader.ReadUnsignedExpGolomb());
        Assert.Equal(2u, reader.ReadUnsignedExpGolomb());
        Assert.Equal(3u, reader.ReadUnsignedExpGolomb());
        Assert.Equal(4u, reader.ReadUnsignedExpGolomb());
        Assert.Equal(-1, reader.ReadSignedExpGolomb());
        Assert.Equal(1, reader.ReadSignedExpGolomb());
        Assert.Equal(255u, reader.ReadUnsignedExpGolomb());
    }

    [Fact]
    public void ReadsFixedWidthFields()
    {
        var reader = new BitReader(Hex.Bytes("A5 FF 00 12 34 56 78"));
        Assert.Equal(0b101u, reader.ReadBits(3));
        Assert.Equal(0b00101u, reader.ReadBits(5));
        Assert.Equal(0xFF00u, reader.ReadBits(16));
        Assert.Equal(0x12345678u, reader.ReadBits(32));
        Assert.Equal(0, reader.BitsRemaining);
        Assert.Equal(MediaFormatError.Truncated, Assert.Throws<MediaFormatException>(() => new BitReader([0xFF]).ReadBits(9)).Error);
    }

    [Fact]
    public void OverlongExpGolombFails()
    {
        Assert.Throws<MediaFormatException>(() => new BitReader(new byte[8]).ReadUnsignedExpGolomb());
        Assert.Throws<MediaFormatException>(() => new BitReader([0x00, 0x01]).ReadUnsignedExpGolomb());
    }

    [Fact]
    public void RemovesEmulationPrevention()
    {
        var nal = Hex.Bytes("67 00 00 03 01 00 00 03 00 00 03 03 AA");
        var rbsp = new byte[nal.Length];
        var length = Rbsp.Unescape(nal, rbsp);
        Assert.Equal(Hex.Bytes("67 00 00 01 00 00 00 00 03 AA"), rbsp[..length]);
    }
}
