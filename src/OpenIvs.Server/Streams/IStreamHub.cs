using OpenIvs.Media.Frames;
using OpenIvs.Server.Events;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The live-stream hub as protocol servers (RTMP, RTMPS, SRT) and readers (packager, recorder) use it: it
/// admits publishers, fans their frames out to readers and ends streams. Every call is synchronous and
/// cheap: nothing here waits on disk or on the API's write lock. What a broadcast means for storage and
/// events (sessions, IVS events, health, limits) happens off the ingest path, in the consumers of
/// <see cref="Lifecycle.StreamLifecycle"/>.
/// </summary>
public interface IStreamHub
{
    /// <summary>
    /// A publisher presents a stream key. Refused for an unknown key, plain transport to a channel without
    /// insecureIngest, a channel already live, the concurrent-broadcasts quota, or (in a cluster) a node that lost
    /// the database; otherwise the stream is live at once. In a cluster this blocks the caller while the slot is
    /// taken: protocol servers use <see cref="TryBeginAsync"/>. <paramref name="disconnect"/> closes the publisher's connection (the hub calls it to end
    /// a stream from the server side).
    /// </summary>
    PublishResult TryBegin(string streamKey, IngestTransport transport, Action disconnect);

    /// <summary>
    /// <see cref="TryBegin"/> for protocol servers: on a single node it completes synchronously (no allocation, no
    /// wait); in a cluster it takes the channel's live slot in the shared database without blocking a thread.
    /// </summary>
    ValueTask<PublishResult> TryBeginAsync(string streamKey, IngestTransport transport, Action disconnect, CancellationToken cancellationToken);

    /// <summary>The encoder name the publisher reported (RTMP onMetaData <c>encoder</c>).</summary>
    void SetEncoder(LiveStream stream, string? encoder);

    /// <summary>The video configuration, first or changed; a picture over the channel's limits ends the stream.</summary>
    void SetVideo(LiveStream stream, VideoTrackInfo video);

    void SetAudio(LiveStream stream, AudioTrackInfo audio);

    /// <summary>One frame from the publisher; the caller's reference is taken over.</summary>
    void Publish(LiveStream stream, MediaFrame frame);

    /// <summary>
    /// The publisher is gone. The reason given by whoever asked the stream to end (<see cref="LiveStream.RequestEnd"/>)
    /// wins over <paramref name="reason"/>. Idempotent.
    /// </summary>
    void End(LiveStream stream, StreamEndReason reason);

    /// <summary>
    /// Adds a rendition to a live stream (a transcoded rung, <paramref name="rung"/>) and tells the listeners, who may
    /// add readers before its first frame. Null when the stream has ended.
    /// </summary>
    LiveRendition? AddRendition(LiveStream stream, LadderRung rung);

    /// <summary>
    /// An IVS event about a live stream from one of its readers (Recording State Change from the recorder,
    /// Stream Failure from a transcoder): it joins the stream session's events and is delivered to the event sinks.
    /// </summary>
    void Raise(LiveStream stream, IvsEvent e);

    /// <summary>A limit found by a reader (Concurrent Viewers from playback); <paramref name="stream"/> null for account-level limits.</summary>
    void ReportLimitBreach(LimitBreach breach, LiveStream? stream);

    /// <summary>The live stream of a channel, or null.</summary>
    LiveStream? Find(string channelArn);

    IReadOnlyCollection<LiveStream> Live { get; }

    /// <summary>Adds a component told of every broadcast's beginning (before any media) and end.</summary>
    void AddListener(ILiveStreamListener listener);
}

/// <summary>How a publisher reached the service.</summary>
public enum IngestTransport
{
    Rtmp,
    Rtmps,
    Srt,
}
