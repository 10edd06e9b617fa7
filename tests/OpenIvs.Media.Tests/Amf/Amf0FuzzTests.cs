using CsCheck;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Amf;

public class Amf0FuzzTests
{
    private const string Target = "Amf0";

    private static readonly AmfLimits s_limits = new() { MaxElements = 1024, MaxNestingDepth = 16, MaxStringLength = 4096 };

    private static void Body(byte[] input) => Amf0Reader.ReadAll(input, s_limits);

    private static long AllocationBound(byte[] input) => 64 * 1024 + 256L * input.Length;

    [Fact]
    public void RandomBytesOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Gen.Byte.Array[0, 1024], Body, e => e is MediaFormatException, AllocationBound, iterations: 20_000);

    [Fact]
    public void MutatedCommandsOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Fuzz.Mutations(Gen.Const(Amf0Tests.FfmpegConnect)), Body, e => e is MediaFormatException, AllocationBound, iterations: 20_000);

    public static IEnumerable<object[]> SavedInputs => TestFiles.FuzzInputs(Target);

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void SavedInputsStayFixed(string file)
    {
        var input = TestFiles.Read(Path.Combine("Fuzz", Target, file));
        Assert.Null(Fuzz.Check(input, Body, e => e is MediaFormatException, AllocationBound));
    }
}
