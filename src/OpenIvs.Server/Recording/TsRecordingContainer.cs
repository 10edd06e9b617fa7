using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Recording;

/// <summary>MPEG-TS recordings (IVS's default): <c>N.ts</c>, every keyframe interval starts with PAT/PMT and SPS/PPS.</summary>
internal sealed class TsRecordingContainer : IRecordingContainer
{
    public static readonly TsRecordingContainer Instance = new();

    public HlsContainerFormat Format => HlsContainerFormat.MpegTs;

    public string ContentType => "video/MP2T";

    public string MediaFileName(int index) => $"{index}.ts";

    public string? InitFileName(int generation) => null;
}
