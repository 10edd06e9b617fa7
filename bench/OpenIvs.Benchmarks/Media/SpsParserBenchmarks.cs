using System.Buffers;
using BenchmarkDotNet.Attributes;
using OpenIvs.Media.Codecs.Avc;
using OpenIvs.Media.Flv;

namespace OpenIvs.Benchmarks.Media;

/// <summary>Parsing the x264 High profile SPS of the 720p clip, and the whole avcC to a track description.</summary>
[MemoryDiagnoser]
public class SpsParserBenchmarks
{
    private byte[] _avcC = [];
    private byte[] _sps = [];

    [GlobalSetup]
    public void Setup()
    {
        var file = new ReadOnlySequence<byte>(BenchmarkData.Read("Flv/h264_high_720p30_aac48k.flv"));
        FlvFileReader.TryReadHeader(ref file, out _);
        while (FlvFileReader.TryReadTag(ref file, out var tag))
        {
            if (tag.Type == FlvTagType.Video)
            {
                _avcC = tag.Data.Slice(5).ToArray();
                break;
            }
        }

        _sps = AvcDecoderConfigurationRecord.Parse(_avcC).SequenceParameterSets[0];
    }

    [Benchmark]
    public int ParseSps() => AvcSequenceParameterSet.Parse(_sps).Width;

    [Benchmark]
    public int ParseAvcCToTrackInfo() => AvcDecoderConfigurationRecord.Parse(_avcC).ToTrackInfo().Height;
}
