using System.Buffers;
using CsCheck;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Amf;

public class Amf0Tests
{
    private static byte[] Encode(params AmfValue[] values)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(output, value);
        }

        return output.WrittenSpan.ToArray();
    }

    private static MediaFormatException Fails(byte[] data, AmfLimits? limits = null) =>
        Assert.Throws<MediaFormatException>(() => Amf0Reader.ReadAll(data, limits));

    /// <summary>The connect command FFmpeg sends, as bytes.</summary>
    public static byte[] FfmpegConnect => Encode(
        "connect",
        1.0,
        AmfValue.Object(
            new("app", "app"),
            new("flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"),
            new("tcUrl", "rtmp://127.0.0.1:1935/app"),
            new("type", "nonprivate")));

    [Fact]
    public void DecodesAConnectCommandFixture()
    {
        var bytes = Hex.Concat(
            Hex.Bytes("02 00 07"), "connect"u8.ToArray(),
            Hex.Bytes("00 3F F0 00 00 00 00 00 00"),
            Hex.Bytes("03 00 03"), "app"u8.ToArray(), Hex.Bytes("02 00 03"), "app"u8.ToArray(),
            Hex.Bytes("00 0E"), "objectEncoding"u8.ToArray(), Hex.Bytes("00 00 00 00 00 00 00 00 00"),
            Hex.Bytes("00 00 09"));
        var values = Amf0Reader.ReadAll(bytes);
        Assert.Equal(3, values.Count);
        Assert.Equal("connect", values[0].AsString);
        Assert.Equal(1.0, values[1].AsNumber);
        Assert.Equal("app", values[2].GetString("app"));
        Assert.Equal(0.0, values[2].GetNumber("objectEncoding"));
        Assert.Equal(bytes, Encode([.. values]));
    }

    [Fact]
    public void RoundTripsEveryType()
    {
        var original = new AmfValue[]
        {
            3.5, true, false, "text", AmfValue.Null, AmfValue.Undefined,
            AmfValue.String(new string('x', 70_000)),
            AmfValue.Date(1_700_000_000_000, 60),
            AmfValue.EcmaArray(new("width", 1280.0), new("height", 720.0), new("encoder", "Lavf")),
            AmfValue.StrictArray(1.0, "two", AmfValue.Object(AmfValue.Property("three", 3.0))),
            AmfValue.TypedObject("flex.messaging.io.ArrayCollection", AmfValue.Property("source", AmfValue.StrictArray())),
            AmfValue.XmlDocument("<a/>"),
            AmfValue.Object(AmfValue.Property("nested", AmfValue.Object(AmfValue.Property("deeper", AmfValue.EcmaArray(AmfValue.Property("x", 1.0)))))),
        };
        var bytes = Encode(original);
        var decoded = Amf0Reader.ReadAll(bytes, new AmfLimits { MaxStringLength = 100_000 });
        Assert.Equal(original.Length, decoded.Count);
        Assert.Equal(bytes, Encode([.. decoded]));
        Assert.Equal(AmfType.LongString, decoded[6].Type);
        Assert.Equal(70_000, decoded[6].AsString!.Length);
        Assert.Equal((short)60, decoded[7].TimeZone);
        Assert.Equal("flex.messaging.io.ArrayCollection", decoded[10].ClassName);
        Assert.Equal(1280.0, decoded[8].GetNumber("width"));
    }

    [Fact]
    public void RoundTripsRandomValues()
    {
        var leaf = Gen.OneOf<AmfValue>(
            Gen.Double.Where(d => !double.IsNaN(d)).Select(d => AmfValue.Number(d)),
            Gen.Bool.Select(b => AmfValue.Boolean(b)),
            Gen.String.Select(s => AmfValue.String(s)),
            Gen.Const(AmfValue.Null),
            Gen.Const(AmfValue.Undefined));
        var level1 = Gen.OneOf(
            leaf,
            Gen.Select(Gen.String, leaf).Array[0, 5].Select(p => AmfValue.ObjectFrom(p.Select(x => new KeyValuePair<string, AmfValue>(x.Item1, x.Item2)))),
            leaf.Array[0, 5].Select(i => AmfValue.StrictArray(i)));
        var level2 = Gen.OneOf(
            level1,
            Gen.Select(Gen.String, level1).Array[0, 5].Select(p => AmfValue.EcmaArrayFrom(p.Select(x => new KeyValuePair<string, AmfValue>(x.Item1, x.Item2)))));
        level2.Array[1, 6].Sample(values =>
        {
            var bytes = Encode(values);
            Assert.Equal(bytes, Encode([.. Amf0Reader.ReadAll(bytes)]));
        }, iter: 1000);
    }

    [Fact]
    public void ReferencesResolveToTheEarlierObject()
    {
        var bytes = Hex.Concat(
            Hex.Bytes("0A 00 00 00 02"),
            Hex.Bytes("03 00 01 61 00 3F F0 00 00 00 00 00 00 00 00 09"),
            Hex.Bytes("07 00 01"));
        var array = Assert.Single(Amf0Reader.ReadAll(bytes));
        Assert.Same(array.Items[0], array.Items[1]);
        Assert.Equal(1.0, array.Items[1].GetNumber("a"));
    }

    [Fact]
    public void DeepNestingFailsFast()
    {
        var bytes = Enumerable.Repeat(Hex.Bytes("03 00 01 61"), 100_000).SelectMany(b => b).ToArray();
        Assert.Equal(MediaFormatError.NestingTooDeep, Fails(bytes).Error);
        var arrays = Enumerable.Repeat(Hex.Bytes("0A 00 00 00 01"), 100_000).SelectMany(b => b).ToArray();
        Assert.Equal(MediaFormatError.NestingTooDeep, Fails(arrays).Error);
    }

    [Fact]
    public void HugeDeclaredLengthsFailBeforeAllocating()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(MediaFormatError.StringTooLong, Fails(Hex.Bytes("0C FF FF FF FF 61 62")).Error);
        Assert.Equal(MediaFormatError.Truncated, Fails(Hex.Bytes("0C 00 00 FF FF 61 62")).Error);
        Assert.Equal(MediaFormatError.Truncated, Fails(Hex.Bytes("02 FF FF 61")).Error);
        Assert.Equal(MediaFormatError.TooManyElements, Fails(Hex.Bytes("0A FF FF FF FF 05 05")).Error);
        Assert.Equal(MediaFormatError.Truncated, Fails(Hex.Bytes("0A 00 00 03 00 05 05")).Error);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    [Fact]
    public void HugeEcmaArrayCountIsOnlyAHint()
    {
        var values = Amf0Reader.ReadAll(Hex.Bytes("08 FF FF FF FF 00 01 61 05 00 00 09"));
        Assert.Equal(AmfValue.Null, Assert.Single(values)["a"]);
    }

    [Fact]
    public void EcmaArrayEndingWithTheDataIsAccepted()
    {
        var values = Amf0Reader.ReadAll(Hex.Bytes("08 00 00 00 01 00 01 61 05"));
        Assert.Single(Assert.Single(values).Properties);
    }

    [Fact]
    public void TooManyElementsFails()
    {
        var bytes = Enumerable.Repeat((byte)0x05, 5000).ToArray();
        Assert.Equal(MediaFormatError.TooManyElements, Fails(bytes).Error);
    }

    [Fact]
    public void ReferenceFanOutCountsItsTarget()
    {
        // An array of 1000 nulls, then a strict array that references it 100 times: 100,000 logical values.
        var bytes = Hex.Concat(
            Hex.Bytes("0A 00 00 03 E8"), Enumerable.Repeat((byte)0x05, 1000).ToArray(),
            Hex.Bytes("0A 00 00 00 64"), Enumerable.Repeat(Hex.Bytes("07 00 00"), 100).SelectMany(b => b).ToArray());
        Assert.Equal(MediaFormatError.TooManyElements, Fails(bytes).Error);
    }

    [Theory]
    [InlineData("03 00 01 61 07 00 00 00 00 09")] // an object referencing itself
    [InlineData("07 00 00")]
    [InlineData("07 00 05")]
    public void BadReferencesFail(string hex) => Assert.Equal(MediaFormatError.InvalidReference, Fails(Hex.Bytes(hex)).Error);

    [Theory]
    [InlineData("11 01", MediaFormatError.Unsupported)]
    [InlineData("04", MediaFormatError.InvalidValue)]
    [InlineData("0E", MediaFormatError.InvalidValue)]
    [InlineData("09", MediaFormatError.InvalidValue)]
    [InlineData("20", MediaFormatError.InvalidValue)]
    [InlineData("00 3F F0", MediaFormatError.Truncated)]
    [InlineData("03 00 01 61", MediaFormatError.Truncated)]
    public void MalformedInputFailsWithATypedError(string hex, MediaFormatError error) =>
        Assert.Equal(error, Fails(Hex.Bytes(hex)).Error);

    [Fact]
    public void ToStringIsBounded()
    {
        var deep = AmfValue.Object(AmfValue.Property("f", 1.0));
        foreach (var name in new[] { "e", "d", "c", "b", "a" })
        {
            deep = AmfValue.Object(AmfValue.Property(name, deep));
        }

        Assert.Contains("…", deep.ToString());
        Assert.True(AmfValue.StrictArrayFrom(Enumerable.Range(0, 10_000).Select(i => (AmfValue)(double)i)).ToString().Length < 600);
    }
}
