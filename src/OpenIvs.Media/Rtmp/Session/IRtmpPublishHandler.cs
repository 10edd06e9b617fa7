using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Rtmp.Session;

/// <summary>
/// What the host (the ingest server) implements to receive one publisher's stream. Calls come one at a time from
/// the session's read loop, in stream order; the session does not read more input until a call completes, so a slow
/// handler back-pressures the encoder through TCP.
/// </summary>
public interface IRtmpPublishHandler
{
    /// <summary>
    /// Decides whether the publish may start (stream key check, one live stream per channel, ...). Accept makes the
    /// session answer NetStream.Publish.Start; reject makes it stop without an error status, as IVS does.
    /// </summary>
    ValueTask<PublishDecision> OnPublishAsync(RtmpPublishRequest request, CancellationToken cancellationToken);

    /// <summary>The publisher's <c>onMetaData</c> (may come more than once).</summary>
    ValueTask OnMetadataAsync(RtmpStreamMetadata metadata, CancellationToken cancellationToken);

    /// <summary>A new or changed video decoder configuration. Frames before the first one are dropped.</summary>
    ValueTask OnVideoConfigAsync(VideoTrackInfo track, CancellationToken cancellationToken);

    /// <summary>
    /// A new or changed configuration of a video track other than track 0 (Enhanced RTMP multitrack input: OBS's
    /// encoder ladder). Track 0 is the main video track and comes through <see cref="OnVideoConfigAsync"/>.
    /// </summary>
    ValueTask OnVideoTrackConfigAsync(byte trackId, VideoTrackInfo track, CancellationToken cancellationToken);

    /// <summary>One access unit of a video track other than track 0; ownership as in <see cref="OnFrameAsync"/>.</summary>
    ValueTask OnVideoTrackFrameAsync(byte trackId, MediaFrame frame, CancellationToken cancellationToken);

    /// <summary>A new or changed audio configuration. Frames before the first one are dropped.</summary>
    ValueTask OnAudioConfigAsync(AudioTrackInfo track, CancellationToken cancellationToken);

    /// <summary>
    /// One access unit. The handler takes over the frame's single reference and must <see cref="MediaFrame.Release"/>
    /// it (or pass it on) even if it throws.
    /// </summary>
    ValueTask OnFrameAsync(MediaFrame frame, CancellationToken cancellationToken);

    /// <summary>
    /// The accepted publish ended (unpublish, disconnect, error, timeout or cancellation). Called exactly once per
    /// accepted publish, with <see cref="CancellationToken.None"/> when the session is being torn down.
    /// </summary>
    ValueTask OnUnpublishAsync(RtmpSessionEndReason reason, CancellationToken cancellationToken);
}
