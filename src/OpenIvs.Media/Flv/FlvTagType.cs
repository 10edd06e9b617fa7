namespace OpenIvs.Media.Flv;

/// <summary>FLV tag types (the same ids as the RTMP audio, video and AMF0 data message types).</summary>
public enum FlvTagType : byte
{
    Audio = 8,
    Video = 9,
    Script = 18,
}
