namespace OpenIvs.Server.Streams;

/// <summary>
/// A component that works on every live stream (the HLS packager, the recorder, the thumbnailer). It is
/// told when a broadcast begins (before any media, so it can add a reader and see the first keyframe)
/// and when it has ended.
/// </summary>
public interface ILiveStreamListener
{
    void OnBroadcastBegan(LiveStream stream);

    void OnBroadcastEnded(LiveStream stream);

    /// <summary>A rendition besides the source was added to a live stream (a transcoded rung), before its first frame.</summary>
    void OnRenditionAdded(LiveRendition rendition)
    {
    }
}
