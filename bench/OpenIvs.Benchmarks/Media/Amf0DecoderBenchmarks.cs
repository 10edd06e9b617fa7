using System.Buffers;
using BenchmarkDotNet.Attributes;
using OpenIvs.Media.Amf;

namespace OpenIvs.Benchmarks.Media;

/// <summary>Decoding the <c>connect</c> command an encoder sends (the shape OBS and ffmpeg use).</summary>
[MemoryDiagnoser]
public class Amf0DecoderBenchmarks
{
    private byte[] _connect = [];

    [GlobalSetup]
    public void Setup()
    {
        var output = new ArrayBufferWriter<byte>();
        Amf0Writer.WriteString(output, "connect");
        Amf0Writer.WriteNumber(output, 1);
        Amf0Writer.WriteValue(output, AmfValue.Object(
            AmfValue.Property("app", "app"),
            AmfValue.Property("type", "nonprivate"),
            AmfValue.Property("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)"),
            AmfValue.Property("swfUrl", "rtmp://127.0.0.1:1935/app"),
            AmfValue.Property("tcUrl", "rtmp://127.0.0.1:1935/app"),
            AmfValue.Property("fpad", false),
            AmfValue.Property("capabilities", 15.0),
            AmfValue.Property("audioCodecs", 4071.0),
            AmfValue.Property("videoCodecs", 252.0),
            AmfValue.Property("videoFunction", 1.0)));
        _connect = output.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int DecodeConnect() => Amf0Reader.ReadAll(_connect).Count;
}
