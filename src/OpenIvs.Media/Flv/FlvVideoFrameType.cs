namespace OpenIvs.Media.Flv;

/// <summary>FLV video frame types.</summary>
public enum FlvVideoFrameType : byte
{
    Keyframe = 1,
    InterFrame = 2,
    DisposableInterFrame = 3,
    GeneratedKeyframe = 4,

    /// <summary>Video info/command frame: no picture data.</summary>
    Command = 5,
}
