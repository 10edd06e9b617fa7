using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Recording;

/// <summary>What differs between a channel's container formats in a recording: file names and the init segment.</summary>
internal interface IRecordingContainer
{
    HlsContainerFormat Format { get; }

    /// <summary>Media file name by index (<c>0.ts</c>, <c>0.mp4</c>).</summary>
    string MediaFileName(int index);

    /// <summary>The init segment's file name of a map generation; null when the format has none (TS).</summary>
    string? InitFileName(int generation);

    string ContentType { get; }

    public static IRecordingContainer For(Protocol.Model.ContainerFormat? format) =>
        format == Protocol.Model.ContainerFormat.FragmentedMp4 ? Fmp4RecordingContainer.Instance : TsRecordingContainer.Instance;
}
