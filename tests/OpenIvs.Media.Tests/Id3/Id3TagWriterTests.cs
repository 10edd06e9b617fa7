using System.Buffers;
using System.Text;
using OpenIvs.Media.Id3;

namespace OpenIvs.Media.Tests.Id3;

public class Id3TagWriterTests
{
    [Fact]
    public void TxxxTagBytes()
    {
        var output = new ArrayBufferWriter<byte>();
        Id3TagWriter.WriteUserTextTag(output, "owner", "v1"u8);
        byte[] expected =
        [
            .. "ID3"u8, 4, 0, 0, 0, 0, 0, 19, // header, synchsafe size 19
            .. "TXXX"u8, 0, 0, 0, 9, 0, 0, // frame header, synchsafe size 9
            3, .. "owner"u8, 0, .. "v1"u8, // UTF-8, description, NUL, value
        ];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
        Assert.True(Id3TagWriter.IsCompleteTag(output.WrittenSpan));
    }

    [Fact]
    public void SizesAreSynchsafe()
    {
        var value = Encoding.UTF8.GetBytes(new string('x', 300));
        var tag = new byte[Id3TagWriter.GetUserTextTagLength("o", value)];
        Id3TagWriter.WriteUserTextTag(tag, "o", value);
        Assert.Equal([0, 0, 0x02, 0x39], tag[6..10]); // frame header 10 + body 303 = 313 = 2 * 128 + 57
        Assert.Equal([0, 0, 0x02, 0x2F], tag[14..18]); // 303 = 2 * 128 + 47
        Assert.All(tag[6..10], b => Assert.True(b < 0x80));
    }

    [Theory]
    [InlineData(0, new byte[] { 0, 0, 0, 0 })]
    [InlineData(127, new byte[] { 0, 0, 0, 0x7F })]
    [InlineData(128, new byte[] { 0, 0, 1, 0 })]
    [InlineData(SyncSafeInteger.MaxValue, new byte[] { 0x7F, 0x7F, 0x7F, 0x7F })]
    public void SyncSafeRoundTrip(int value, byte[] encoded)
    {
        var bytes = new byte[4];
        SyncSafeInteger.Write(bytes, value);
        Assert.Equal(encoded, bytes);
        Assert.True(SyncSafeInteger.TryRead(bytes, out var read));
        Assert.Equal(value, read);
    }

    [Fact]
    public void NonTagsAreRecognised()
    {
        Assert.False(Id3TagWriter.IsCompleteTag("{\"hello\":1}"u8));
        Assert.False(Id3TagWriter.IsCompleteTag([.. "ID3"u8, 4, 0, 0, 0, 0, 0, 5, 1, 2])); // size says 5, only 2
        Assert.False(Id3TagWriter.IsCompleteTag([.. "ID3"u8, 4, 0, 0, 0, 0, 0x80, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyncSafeInteger.Write(new byte[4], SyncSafeInteger.MaxValue + 1));
    }
}
