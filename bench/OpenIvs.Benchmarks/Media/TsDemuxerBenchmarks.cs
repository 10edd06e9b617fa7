using BenchmarkDotNet.Attributes;
using OpenIvs.Media.MpegTs;

namespace OpenIvs.Benchmarks.Media;

/// <summary>
/// The MPEG-TS demuxer on what SRT ingest receives: the 2 s 360p30 H.264 + AAC ffmpeg fixture fed as 1316-byte
/// messages (seven TS packets, SRT's live payload). One operation = the whole clip, every frame read and released.
/// </summary>
[MemoryDiagnoser]
public class TsDemuxerBenchmarks
{
    private byte[] _stream = [];

    [GlobalSetup]
    public void Setup() => _stream = BenchmarkData.Read("MpegTs/h264_high_360p30_aac48k.ts");

    [Benchmark]
    public int DemuxClip()
    {
        using var demuxer = new TsDemuxer();
        var frames = 0;
        for (var offset = 0; offset < _stream.Length; offset += 1316)
        {
            demuxer.Write(_stream.AsSpan(offset, Math.Min(1316, _stream.Length - offset)));
            while (demuxer.TryRead(out var item))
            {
                if (item.Frame is { } frame)
                {
                    frame.Release();
                    frames++;
                }
            }
        }

        return frames;
    }
}
