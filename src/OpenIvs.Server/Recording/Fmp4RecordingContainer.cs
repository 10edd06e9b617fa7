using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Recording;

/// <summary>Fragmented MP4 recordings: <c>N.mp4</c> of moof/mdat fragments after an init segment per period.</summary>
internal sealed class Fmp4RecordingContainer : IRecordingContainer
{
    public static readonly Fmp4RecordingContainer Instance = new();

    public HlsContainerFormat Format => HlsContainerFormat.Fmp4;

    public string ContentType => "video/mp4";

    public string MediaFileName(int index) => $"{index}.mp4";

    public string? InitFileName(int generation) => $"init-{generation}.mp4";
}
