using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp.Session;

namespace OpenIvs.Media.Tests.Rtmp.Session;

/// <summary>Records every callback; frames are copied and released at once.</summary>
public sealed class RecordingPublishHandler : IRtmpPublishHandler
{
    private readonly Lock _lock = new();

    public Func<RtmpPublishRequest, PublishDecision> Decide { get; set; } = _ => PublishDecision.Accept();

    public List<RtmpPublishRequest> Publishes { get; } = [];

    public List<RtmpStreamMetadata> Metadata { get; } = [];

    public List<VideoTrackInfo> VideoConfigs { get; } = [];

    public List<AudioTrackInfo> AudioConfigs { get; } = [];

    public List<RecordedFrame> Frames { get; } = [];

    public List<(byte TrackId, VideoTrackInfo Track)> TrackConfigs { get; } = [];

    public List<(byte TrackId, RecordedFrame Frame)> TrackFrames { get; } = [];

    public List<RtmpSessionEndReason> Unpublishes { get; } = [];

    public IEnumerable<RecordedFrame> Video => Snapshot(Frames).Where(f => f.Kind == MediaKind.Video);

    public IEnumerable<RecordedFrame> Audio => Snapshot(Frames).Where(f => f.Kind == MediaKind.Audio);

    public ValueTask<PublishDecision> OnPublishAsync(RtmpPublishRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Publishes.Add(request);
        }

        return ValueTask.FromResult(Decide(request));
    }

    public ValueTask OnMetadataAsync(RtmpStreamMetadata metadata, CancellationToken cancellationToken) => Add(Metadata, metadata);

    public ValueTask OnVideoConfigAsync(VideoTrackInfo track, CancellationToken cancellationToken) => Add(VideoConfigs, track);

    public ValueTask OnAudioConfigAsync(AudioTrackInfo track, CancellationToken cancellationToken) => Add(AudioConfigs, track);

    public ValueTask OnFrameAsync(MediaFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            return Add(Frames, new RecordedFrame(frame.Kind, frame.Timestamp, frame.CompositionOffset, frame.IsKeyframe, frame.Payload.ToArray()));
        }
        finally
        {
            frame.Release();
        }
    }

    public ValueTask OnVideoTrackConfigAsync(byte trackId, VideoTrackInfo track, CancellationToken cancellationToken) => Add(TrackConfigs, (trackId, track));

    public ValueTask OnVideoTrackFrameAsync(byte trackId, MediaFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            return Add(TrackFrames, (trackId, new RecordedFrame(frame.Kind, frame.Timestamp, frame.CompositionOffset, frame.IsKeyframe, frame.Payload.ToArray())));
        }
        finally
        {
            frame.Release();
        }
    }

    public ValueTask OnUnpublishAsync(RtmpSessionEndReason reason, CancellationToken cancellationToken) => Add(Unpublishes, reason);

    private ValueTask Add<T>(List<T> list, T item)
    {
        lock (_lock)
        {
            list.Add(item);
        }

        return ValueTask.CompletedTask;
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_lock)
        {
            return [.. list];
        }
    }
}

public sealed record RecordedFrame(MediaKind Kind, long Timestamp, int CompositionOffset, bool IsKeyframe, byte[] Payload);
