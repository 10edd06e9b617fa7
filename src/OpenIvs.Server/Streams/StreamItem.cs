using OpenIvs.Media.Frames;

namespace OpenIvs.Server.Streams;

/// <summary>What a reader of a live stream receives, in stream order.</summary>
public readonly record struct StreamItem(StreamItemKind Kind, MediaFrame? Frame = null, VideoTrackInfo? Video = null, AudioTrackInfo? Audio = null)
{
    public static StreamItem ForFrame(MediaFrame frame) => new(StreamItemKind.Frame, Frame: frame);
}

public enum StreamItemKind : byte
{
    /// <summary>A media frame; the reader owns one reference and must release it.</summary>
    Frame,

    /// <summary>The video decoder configuration (first, or changed mid-stream).</summary>
    VideoConfig,

    /// <summary>The audio configuration (first, or changed mid-stream).</summary>
    AudioConfig,

    /// <summary>The reader fell behind and frames were dropped; the next frame is a video keyframe.</summary>
    Gap,
}
