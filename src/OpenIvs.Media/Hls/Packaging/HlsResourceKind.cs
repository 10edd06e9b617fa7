namespace OpenIvs.Media.Hls.Packaging;

/// <summary>What a media URI names.</summary>
public enum HlsResourceKind
{
    Segment,
    Part,
    Init,
}
