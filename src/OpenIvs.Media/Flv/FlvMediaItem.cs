namespace OpenIvs.Media.Flv;

/// <summary>What <see cref="FlvMediaReader.Read"/> found in a tag.</summary>
public enum FlvMediaItem
{
    None,
    VideoConfig,
    AudioConfig,
    Frame,
}
