namespace OpenIvs.Media.Frames;

/// <summary>What a <see cref="MediaFrame"/> carries.</summary>
public enum MediaKind : byte
{
    Video,
    Audio,

    /// <summary>Timed metadata (for example an ID3 payload from PutMetadata or in-band AMF data).</summary>
    Data,
}
