namespace OpenIvs.Media.Hls.Packaging;

/// <summary>The container of produced segments and parts.</summary>
public enum HlsContainerFormat
{
    /// <summary>CMAF fragmented MP4 (an init segment plus moof/mdat fragments).</summary>
    Fmp4,

    /// <summary>MPEG-2 transport stream (IVS's default <c>containerFormat</c>).</summary>
    MpegTs,
}
