using CsCheck;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.MpegTs;

/// <summary>
/// Fuzzing the demuxer with a real ffmpeg stream (tables, H.264 with in-band SPS/PPS, ADTS) mutated anywhere and fed
/// in two pieces: it may only produce output or throw <see cref="MediaFormatException"/>, within an allocation bound,
/// and every pooled buffer goes back.
/// </summary>
public class TsDemuxerFuzzTests
{
    private const string Target = "TsDemuxer";

    private static readonly Lazy<byte[]> s_stream = new(() => TestFiles.Read("MpegTs/h264_baseline_240p25_aac44k_mono.ts")[..(60 * TsPacket.Size)]);

    private static void Body(byte[] input)
    {
        var split = input.Length == 0 ? 0 : input[^1] * 7 % input.Length;
        var pool = new Support.TrackingArrayPool();
        using (var demuxer = new TsDemuxer(new TsDemuxerLimits { MaxPesLength = 64 * 1024 }, pool))
        {
            try
            {
                demuxer.Write(input.AsSpan(0, split));
                demuxer.Write(input.AsSpan(split));
                demuxer.Flush();
            }
            finally
            {
                while (demuxer.TryRead(out var item))
                {
                    item.Frame?.Release();
                }
            }
        }

        if (pool.Outstanding != 0 || pool.Errors.Count > 0)
        {
            throw new InvalidOperationException($"pool: {pool.Outstanding} outstanding, {string.Join("; ", pool.Errors)}");
        }
    }

    private static long AllocationBound(byte[] input) => 4L * 1024 * 1024 + 64L * input.Length;

    [Fact]
    public void UnmutatedStreamDemuxes() => Assert.Null(Fuzz.Check(s_stream.Value, Body, _ => false, AllocationBound));

    [Fact]
    public void MutatedStreamsOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Fuzz.Mutations(Gen.Const(s_stream.Value)), Body, e => e is MediaFormatException, AllocationBound, iterations: 2000);

    [Fact]
    public void RandomBytesBehindASyncByteOnlyEverFailWithTheTypedError() =>
        Fuzz.Run(Target, Gen.Byte.Array[0, 4 * TsPacket.Size].Select(b => b.Select((x, i) => i % TsPacket.Size == 0 ? TsPacket.SyncByte : x).ToArray()),
            Body, e => e is MediaFormatException, AllocationBound, iterations: 2000);

    public static IEnumerable<object[]> SavedInputs => TestFiles.FuzzInputs(Target);

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void SavedInputsStayFixed(string file) =>
        Assert.Null(Fuzz.Check(TestFiles.Read(Path.Combine("Fuzz", Target, file)), Body, e => e is MediaFormatException, AllocationBound));
}
