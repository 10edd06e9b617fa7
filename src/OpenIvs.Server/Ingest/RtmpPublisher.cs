using Microsoft.AspNetCore.Connections;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest;

/// <summary>
/// Connects one RTMP(S) publisher to the live-stream hub: the stream name is the stream key; a refused
/// publish closes the connection without a status (as IVS does); media and configuration go to the hub.
/// </summary>
internal sealed partial class RtmpPublisher(
    IStreamHub hub, ConnectionContext connection, bool secure, IngestOptions options, Telemetry.IngestTelemetry telemetry, TimeProvider time, ILogger logger)
    : IRtmpPublishHandler, IDisposable
{
    private ReceiveCoalescing? _coalescing;
    private MultitrackInput? _multitrack;

    /// <summary>IVS ingest URLs are <c>rtmps://host/app/&lt;stream key&gt;</c>.</summary>
    public const string Application = "app";

    public LiveStream? Stream { get; private set; }

    public ValueTask<PublishDecision> OnPublishAsync(RtmpPublishRequest request, CancellationToken cancellationToken)
    {
        if (Stream is not null)
        {
            return ValueTask.FromResult(PublishDecision.Reject("This connection is already publishing."));
        }

        if (request.App.TrimEnd('/') != Application)
        {
            LogRefused(logger, connection.ConnectionId, "application is not 'app'");
            return ValueTask.FromResult(PublishDecision.Reject("Unknown application."));
        }

        var activity = telemetry.StartPublish(secure);
        var admission = hub.TryBeginAsync(request.StreamName, secure ? IngestTransport.Rtmps : IngestTransport.Rtmp, Disconnect, cancellationToken);

        // One node: decided synchronously, as before. A cluster: the slot is taken in the database first.
        return admission.IsCompletedSuccessfully ? ValueTask.FromResult(Decide(activity, admission.Result)) : DecideAsync(activity, admission);
    }

    private async ValueTask<PublishDecision> DecideAsync(System.Diagnostics.Activity? activity, ValueTask<PublishResult> admission) =>
        Decide(activity, await admission.ConfigureAwait(false));

    private PublishDecision Decide(System.Diagnostics.Activity? activity, PublishResult result)
    {
        telemetry.PublishDecided(activity, result);
        if (!result.Accepted)
        {
            LogRefused(logger, connection.ConnectionId, result.Refusal.ToString());
            return PublishDecision.Reject(result.Refusal.ToString());
        }

        Stream = result.Stream;
        _multitrack = new MultitrackInput(hub, result.Stream!);
        // LOW latency channels are not coalesced by default: a frame's tail would wait for the next frame's bytes.
        var coalescing = result.Stream!.Channel.LatencyMode == ChannelLatencyMode.Normal ? options.ReceiveCoalescing : options.LowLatencyReceiveCoalescing;
        _coalescing = ReceiveCoalescing.Start(connection, result.Stream!, coalescing, time);
        return PublishDecision.Accept();
    }

    public ValueTask OnMetadataAsync(RtmpStreamMetadata metadata, CancellationToken cancellationToken)
    {
        if (Stream is { } stream)
        {
            hub.SetEncoder(stream, metadata.Encoder);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnVideoConfigAsync(VideoTrackInfo track, CancellationToken cancellationToken)
    {
        if (Stream is { } stream)
        {
            hub.SetVideo(stream, track);
            _multitrack!.OnMainTrack(track);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnVideoTrackConfigAsync(byte trackId, VideoTrackInfo track, CancellationToken cancellationToken)
    {
        _multitrack?.OnTrack(trackId, track);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnVideoTrackFrameAsync(byte trackId, MediaFrame frame, CancellationToken cancellationToken)
    {
        if (_multitrack is { } multitrack)
        {
            multitrack.PublishTrack(trackId, frame);
        }
        else
        {
            frame.Release();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnAudioConfigAsync(AudioTrackInfo track, CancellationToken cancellationToken)
    {
        if (Stream is { } stream)
        {
            hub.SetAudio(stream, track);
            _multitrack!.SetAudio(track);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnFrameAsync(MediaFrame frame, CancellationToken cancellationToken)
    {
        if (Stream is { } stream)
        {
            if (frame.Kind == MediaKind.Audio)
            {
                _multitrack!.PublishAudio(frame);
            }
            else if (frame.Kind == MediaKind.Video && !_multitrack!.AllowsFrame(0))
            {
                frame.Release(); // refused input: the connection is closing
                return ValueTask.CompletedTask;
            }

            hub.Publish(stream, frame);
        }
        else
        {
            frame.Release();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnUnpublishAsync(RtmpSessionEndReason reason, CancellationToken cancellationToken)
    {
        Dispose();
        if (Stream is { } stream)
        {
            using var scope = telemetry.BeginChannelScope(logger, stream);
            hub.End(stream, StreamEndReason.PublisherLeft(reason.ToString()));
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _coalescing?.Dispose();

    /// <summary>Ends the publish from the server side (StopStream, limits, idle): close the connection.</summary>
    private void Disconnect() => connection.Abort(new ConnectionAbortedException("The stream was stopped by the service."));

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Connection {ConnectionId}: publish refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string connectionId, string reason);
}
