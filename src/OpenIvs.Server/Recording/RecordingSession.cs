using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// One recording: one key prefix in the bucket, fed by one stream or, within the reconnect window, several
/// merged ones. Writes <c>events/recording-started.json</c> and Recording Start at the first keyframe, the
/// rendition's media and playlists as they are made, the thumbnails, and at the end the final playlists and
/// <c>recording-ended.json</c> (or <c>recording-failed.json</c>); Recording End follows once all of it is at the
/// destination.
/// </summary>
/// <remarks>Driven by the recorder's pump (one thread); thumbnails are rendered on a chain of tasks of its own.</remarks>
internal sealed partial class RecordingSession
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const int MaxStreams = 20;
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(48);
    private readonly RecordingServices _services;
    private readonly RecordingConfiguration? _configuration;
    private bool _sequential;
    private bool _latest;
    private readonly List<string> _streamIds = [];
    private RenditionRecorder? _rendition;
    private VideoTrackInfo? _video;
    private AudioTrackInfo? _audio;
    private bool _needPeriod = true;
    private bool _masterWritten;
    private long _lastThumbnail = long.MinValue;
    private int _thumbnails;
    private int _thumbnailsQueued;
    private (int Width, int Height)? _thumbnailSize;
    private Task _thumbnailChain = Task.CompletedTask;

    private RecordingSession(
        RecordingServices services, RecordingConfiguration? configuration, LiveStream lastStream, string recordingId, string sessionId, DateTimeOffset startedAt,
        string bucket, string prefix, SpooledRecording? spool)
    {
        _services = services;
        _configuration = configuration;
        ChannelArn = lastStream.ChannelArn;
        ChannelName = lastStream.Channel.Name ?? string.Empty;
        ChannelId = ChannelArn[(ChannelArn.LastIndexOf('/') + 1)..];
        RecordingId = recordingId;
        SessionId = sessionId;
        StartedAt = startedAt;
        Bucket = bucket;
        Prefix = prefix;
        LastStream = lastStream;
        var storage = configuration?.ThumbnailConfiguration?.Storage ?? [ThumbnailConfigurationStorage.Sequential];
        _sequential = storage.Contains(ThumbnailConfigurationStorage.Sequential);
        _latest = storage.Contains(ThumbnailConfigurationStorage.Latest);
        Spool = spool ?? services.Spool.Create(recordingId, bucket, prefix);
        Spool.Finished = RaiseEndAsync;
    }

    public string ChannelArn { get; }

    public string ChannelName { get; }

    public string ChannelId { get; }

    /// <summary>The last part of the key prefix (12 alphanumerics).</summary>
    public string RecordingId { get; }

    /// <summary>recording_session_id of the events (16 alphanumerics).</summary>
    public string SessionId { get; }

    public DateTimeOffset StartedAt { get; }

    public string Bucket { get; }

    public string Prefix { get; }

    public SpooledRecording Spool { get; }

    /// <summary>The stream that fed the recording last (events name it).</summary>
    public LiveStream LastStream { get; private set; }

    public IReadOnlyList<string> StreamIds => _streamIds;

    public RecordingPhase Phase { get; private set; } = RecordingPhase.Recording;

    /// <summary>While <see cref="RecordingPhase.Waiting"/>: when the reconnect window closes.</summary>
    public DateTimeOffset WaitUntil { get; private set; }

    public long DurationMs => (long)Math.Round((_rendition?.DurationSeconds ?? 0) * 1000);

    private bool Failed { get; set; }

    private string? FailureReason { get; set; }

    /// <summary>Starts a recording with the stream's first keyframe: journal, <c>recording-started.json</c>, Recording Start.</summary>
    public static RecordingSession Start(RecordingServices services, RecordingConfiguration configuration, LiveStream stream, VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        var now = services.Time.GetUtcNow();
        var recordingId = RandomNumberGenerator.GetString(Alphanumerics, 12);
        var channelId = stream.ChannelArn[(stream.ChannelArn.LastIndexOf('/') + 1)..];
        var session = new RecordingSession(
            services, configuration, stream, recordingId, RandomNumberGenerator.GetString(Alphanumerics, 16), now,
            configuration.DestinationConfiguration!.S3!.BucketName!, RecordingMetadata.KeyPrefix(services.Account, channelId, now, recordingId), null);
        session.Spool.Journal(new JsonObject
        {
            ["k"] = "start",
            ["id"] = session.RecordingId,
            ["session"] = session.SessionId,
            ["bucket"] = session.Bucket,
            ["prefix"] = session.Prefix,
            ["channel"] = session.ChannelArn,
            ["channelName"] = session.ChannelName,
            ["startedAt"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["configuration"] = configuration.Arn,
        });
        session.Attach(stream, video, audio);
        session.CreateRendition(stream);
        session.Spool.Journal(session._rendition!.Describe());
        if (session._thumbnailSize is { } size)
        {
            session.Spool.Journal(new JsonObject
            {
                ["k"] = "thumbnails", ["width"] = size.Width, ["height"] = size.Height, ["sequential"] = session._sequential, ["latest"] = session._latest,
            });
        }

        if (!session.Spool.EnqueueBytes("events/recording-started.json", session.Metadata(RecordingMetadata.Started, null)))
        {
            throw new RecordingSpoolFullException();
        }

        _ = session.RaiseAsync("Recording Start", string.Empty, 0, null);
        return session;
    }

    /// <summary>
    /// Finishes a recording an earlier run left in the spool (a crash or restart): the open media file is cut
    /// back to its last complete keyframe interval, the playlists are closed, and recording-ended.json is queued
    /// unless it already was; pending objects are then delivered and Recording End follows.
    /// </summary>
    public static RecordingSession Recover(RecordingServices services, string directory, Func<string, string, LiveStream> streamOf)
    {
        var probe = new SpooledRecording(services.Spool, directory, Path.GetFileName(directory), string.Empty, string.Empty, resume: false);
        var journal = probe.ReadJournal().ToList();
        var start = journal.FirstOrDefault(j => (string?)j["k"] == "start") ?? throw new InvalidDataException($"{directory} has no start entry.");
        var streamIds = journal.Where(j => (string?)j["k"] == "stream").Select(j => (string)j["id"]!).ToList();
        var channelArn = (string)start["channel"]!;
        var lastStream = streamOf(channelArn, streamIds.LastOrDefault() ?? string.Empty);
        var spool = services.Spool.Resume(directory, (string)start["bucket"]!, (string)start["prefix"]!);
        var session = new RecordingSession(
            services, null, lastStream, (string)start["id"]!, (string)start["session"]!,
            DateTimeOffset.Parse((string)start["startedAt"]!, CultureInfo.InvariantCulture), spool.Bucket, spool.Prefix, spool);
        session._streamIds.AddRange(streamIds);
        if (journal.FirstOrDefault(j => (string?)j["k"] == "thumbnails") is { } thumbnails)
        {
            session._thumbnailSize = ((int)thumbnails["width"]!, (int)thumbnails["height"]!);
            session._sequential = (bool)thumbnails["sequential"]!;
            session._latest = (bool)thumbnails["latest"]!;
        }

        if (journal.FirstOrDefault(j => (string?)j["k"] == "rendition") is { } rendition)
        {
            session._rendition = new RenditionRecorder(
                spool, services.Spool, (bool)rendition["fmp4"]! ? Fmp4RecordingContainer.Instance : TsRecordingContainer.Instance,
                services.Options.MediaFileTarget, services.Time, (string)rendition["name"]!, (int)rendition["width"]!, (int)rendition["height"]!,
                (string)rendition["codecs"]!);
            session._rendition.Restore(journal);
        }

        if (journal.FirstOrDefault(j => (string?)j["k"] == "end") is { } end)
        {
            // The final metadata file was queued before the crash: only delivery (and Recording End) remain.
            session.Phase = RecordingPhase.Finished;
            session.Failed = (string?)end["status"] == RecordingMetadata.Failed;
            session.FailureReason = session.Failed ? "InternalServerException" : null;
            if (session.Failed)
            {
                spool.Finished = null; // Recording End Failure was reported when it failed
            }

            spool.Seal();
        }
        else
        {
            session.Phase = RecordingPhase.Waiting;
            session.Finish();
        }

        return session;
    }

    /// <summary>
    /// Whether a new stream may continue this recording (ivs-behavior.md 5.5): in the reconnect window, same
    /// picture size, frame rate and codecs, fewer than 20 streams, and younger than 48 hours.
    /// </summary>
    public bool CanContinueWith(VideoTrackInfo? video, AudioTrackInfo? audio, DateTimeOffset now) =>
        Phase == RecordingPhase.Waiting && now <= WaitUntil && !Failed
        && _streamIds.Count < MaxStreams && now - StartedAt < MaxAge
        && video?.Width == _video?.Width && video?.Height == _video?.Height
        && Math.Round(video?.FrameRate ?? 0) == Math.Round(_video?.FrameRate ?? 0)
        && video?.CodecString == _video?.CodecString && audio?.CodecString == _audio?.CodecString;

    /// <summary>A stream (the first, or a reconnect within the window) feeds the recording from its next keyframe.</summary>
    public void Attach(LiveStream stream, VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        LastStream = stream;
        _streamIds.Add(stream.StreamId);
        Spool.Journal(new JsonObject { ["k"] = "stream", ["id"] = stream.StreamId, ["started"] = stream.StartTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) });
        _video = video;
        _audio = audio;
        _needPeriod = true;
        _lastThumbnail = long.MinValue;
        Phase = RecordingPhase.Recording;
    }

    /// <summary>One item of the attached stream (the pump releases frames afterwards).</summary>
    public void Handle(in StreamItem item)
    {
        if (Phase != RecordingPhase.Recording)
        {
            return;
        }

        try
        {
            switch (item.Kind)
            {
                case StreamItemKind.VideoConfig:
                    if (_video is not null && !_video.DecoderConfiguration.AsSpan().SequenceEqual(item.Video!.DecoderConfiguration))
                    {
                        EndPeriod();
                    }

                    _video = item.Video;
                    break;
                case StreamItemKind.AudioConfig:
                    if (_audio is not null && !_audio.AudioSpecificConfig.AsSpan().SequenceEqual(item.Audio!.AudioSpecificConfig))
                    {
                        EndPeriod();
                    }

                    _audio = item.Audio;
                    break;
                case StreamItemKind.Gap:
                    EndPeriod(); // frames were lost: a discontinuity, resuming at the next keyframe
                    break;
                case StreamItemKind.Frame:
                    Write(item.Frame!);
                    break;
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>The attached stream ended: its last media is flushed, and the recording waits for a reconnect (or ends).</summary>
    public void StreamEnded()
    {
        if (Phase != RecordingPhase.Recording)
        {
            return;
        }

        try
        {
            EndPeriod();
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }

        var window = TimeSpan.FromSeconds(_configuration?.RecordingReconnectWindowSeconds ?? 0);
        Phase = RecordingPhase.Waiting;
        WaitUntil = _services.Time.GetUtcNow() + window;
    }

    /// <summary>Ends the recording: final playlists, then (after the thumbnails) recording-ended.json; Recording End once delivered.</summary>
    public void Finish()
    {
        if (Phase == RecordingPhase.Finished)
        {
            return;
        }

        try
        {
            _rendition?.Complete(_services.Time.GetUtcNow());
            WriteMasterPlaylists(final: true);
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }

        Phase = RecordingPhase.Finished;
        _ = SealAsync(RecordingMetadata.Ended, null);
    }

    /// <summary>The recording cannot go on (spool full, disk full, ...): it ends with recording-failed.json and Recording End Failure. The stream is not touched.</summary>
    public void Fail(Exception e)
    {
        if (Phase == RecordingPhase.Finished)
        {
            return;
        }

        LogRecordingFailed(_services.Logger, e, ChannelArn, Prefix);
        Phase = RecordingPhase.Finished;
        Failed = true;
        FailureReason = "InternalServerException";
        try
        {
            // Keep what is safely written: it is delivered with recording-failed.json.
            _rendition?.Abandon(_services.Time.GetUtcNow());
            WriteMasterPlaylists(final: true);
        }
        catch (Exception) when (_rendition is not null)
        {
            _rendition.Discard(); // not even that can be written (a full disk)
        }

        _ = SealAsync(RecordingMetadata.Failed, FailureReason);
    }

    private void Write(MediaFrame frame)
    {
        if (_needPeriod)
        {
            var starts = _video is not null ? frame.Kind == MediaKind.Video && frame.IsKeyframe : _audio is not null && frame.Kind == MediaKind.Audio;
            if (!starts)
            {
                return;
            }

            _rendition!.BeginPeriod(_video, _audio);
            _needPeriod = false;
        }

        _rendition!.FollowAdBreaks(LastStream);
        _rendition.Write(frame, _services.Time.GetUtcNow());
        if (frame.Kind == MediaKind.Video && frame.IsKeyframe)
        {
            MaybeThumbnail(frame);
        }
    }

    private void EndPeriod()
    {
        _needPeriod = true;
        _rendition?.FollowAdBreaks(LastStream); // the post-roll of a stream that ends
        _rendition?.EndPeriod();
    }

    private void CreateRendition(LiveStream stream)
    {
        var video = _video;
        var name = "audio_only";
        var codecs = _audio?.CodecString ?? string.Empty;
        if (video is not null)
        {
            var fps = video.FrameRate ?? stream.Metrics.FrameRate;
            name = $"{video.Height}p{(int)Math.Round(fps > 0 ? fps : 30)}";
            codecs = _audio is null ? video.CodecString : $"{video.CodecString},{_audio.CodecString}";
        }

        _rendition = new RenditionRecorder(
            Spool, _services.Spool, IRecordingContainer.For(stream.Channel.ContainerFormat), _services.Options.MediaFileTarget, _services.Time,
            name, video?.Width ?? 0, video?.Height ?? 0, codecs)
        {
            SpliceInfoStream = !string.IsNullOrEmpty(stream.Channel.AdConfigurationArn),
        };
        _rendition.FileClosed += _ => WriteMasterPlaylists(final: false);
        var thumbnails = _configuration?.ThumbnailConfiguration;
        if (video is not null && thumbnails?.RecordingMode != RecordingMode.Disabled)
        {
            _thumbnailSize = Thumbnailer.SizeFor(video.Width, video.Height, thumbnails?.Resolution);
        }
    }

    /// <summary>master.m3u8 and byte-range-multivariant.m3u8, written with the first media file and again at the end.</summary>
    private void WriteMasterPlaylists(bool final)
    {
        if (_rendition is not { } rendition || (_masterWritten && !final))
        {
            return;
        }

        foreach (var (file, playlist) in new[] { ("master.m3u8", "playlist.m3u8"), ("byte-range-multivariant.m3u8", "byte-range-variant.m3u8") })
        {
            var bandwidth = rendition.PeakBitrate > 0 ? rendition.PeakBitrate : LastStream.Metrics.TotalBitrate;
            var master = new MultivariantPlaylist
            {
                SessionData =
                [
                    new SessionData("net.live-video.content.id", ChannelId),
                    new SessionData("net.live-video.customer.id", _services.Account),
                ],
                Media = rendition.Height > 0 ? [new AlternativeMedia { Type = "VIDEO", GroupId = rendition.Name, Name = $"{rendition.Height}p", AutoSelect = true, Default = true }] : [],
                Variants =
                [
                    new VariantStream
                    {
                        Uri = $"{rendition.Name}/{playlist}",
                        Bandwidth = Math.Max(1, bandwidth),
                        Codecs = rendition.Codecs,
                        Resolution = rendition.Height > 0 ? new Resolution(rendition.Width, rendition.Height) : null,
                        Video = rendition.Height > 0 ? rendition.Name : null,
                    },
                ],
            };
            var buffer = new ArrayBufferWriter<byte>(512);
            MultivariantPlaylistWriter.Write(buffer, master);
            if (!Spool.EnqueueBytes("media/hls/" + file, buffer.WrittenSpan, force: final || Phase == RecordingPhase.Finished))
            {
                throw new RecordingSpoolFullException();
            }
        }

        _masterWritten = true;
    }

    private void MaybeThumbnail(MediaFrame keyframe)
    {
        var configuration = _configuration?.ThumbnailConfiguration;
        if (_thumbnailSize is not { } size || _video is not { } video)
        {
            return;
        }

        var interval = (configuration?.TargetIntervalSeconds ?? 60) * 1000;
        if (_lastThumbnail != long.MinValue && keyframe.Timestamp - _lastThumbnail < interval - 1)
        {
            return;
        }

        _lastThumbnail = keyframe.Timestamp;
        if (Volatile.Read(ref _thumbnailsQueued) >= 3 || Thumbnailer.KeyframeInput(video, keyframe) is not { } input)
        {
            return; // ffmpeg cannot keep up: skip this one rather than queue without bound
        }

        var sequential = _sequential;
        var latest = _latest;
        var number = sequential ? _thumbnails++ : 0;
        Interlocked.Increment(ref _thumbnailsQueued);
        var previous = _thumbnailChain;
        _thumbnailChain = RenderThumbnailAsync(previous, input, size, number, sequential, latest);
    }

    private async Task RenderThumbnailAsync(Task previous, byte[] input, (int Width, int Height) size, int number, bool sequential, bool latest)
    {
        try
        {
            await previous.ConfigureAwait(false);
            var jpeg = await _services.Thumbnailer.RenderAsync(input, size.Width, size.Height, CancellationToken.None).ConfigureAwait(false);
            if ((sequential && !Spool.EnqueueBytes($"media/thumbnails/thumb{number}.jpg", jpeg))
                || (latest && !Spool.EnqueueBytes("media/latest_thumbnail/thumb.jpg", jpeg)))
            {
                LogThumbnailFailed(_services.Logger, ChannelArn, "the spool is full");
            }
        }
        catch (Exception e)
        {
            LogThumbnailFailed(_services.Logger, ChannelArn, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _thumbnailsQueued);
        }
    }

    private byte[] Metadata(string status, string? message, DateTimeOffset? endedAt = null, long? durationMs = null)
    {
        return RecordingMetadata.Build(
            status, ChannelArn, StartedAt, endedAt, message, durationMs, _rendition is null ? [] : [_rendition], _thumbnailSize, _sequential, _latest);
    }

    private async Task SealAsync(string status, string? message)
    {
        try
        {
            await _thumbnailChain.ConfigureAwait(false); // thumbnails before the final metadata file
            var end = _services.Time.GetUtcNow();
            var file = status == RecordingMetadata.Failed ? "events/recording-failed.json" : "events/recording-ended.json";
            Spool.Journal(new JsonObject { ["k"] = "end", ["status"] = status });
            Spool.EnqueueBytes(file, Metadata(status, message, end, DurationMs), force: true);
        }
        catch (Exception e)
        {
            // Nothing more can be written (a full disk): say so now rather than after a delivery that cannot come.
            LogRecordingFailed(_services.Logger, e, ChannelArn, Prefix);
            Failed = true;
            FailureReason ??= "InternalServerException";
        }

        if (Failed)
        {
            // A failure is reported at once, not after a delivery that may be what failed (an S3 outage).
            Spool.Finished = null;
            await RaiseEndAsync().ConfigureAwait(false);
        }

        Spool.Seal();
    }

    private Task RaiseEndAsync() =>
        Failed ? RaiseAsync("Recording End Failure", FailureReason ?? "InternalServerException", DurationMs, _streamIds) : RaiseAsync("Recording End", string.Empty, DurationMs, _streamIds);

    /// <summary>Raises a Recording State Change through the hub: on the stream's session and to the event sinks.</summary>
    private Task RaiseAsync(string status, string reason, long durationMs, IReadOnlyList<string>? streamIds)
    {
        try
        {
            var e = IvsEvent.RecordingState(status, reason, _services.Region, _services.Account, ChannelArn, ChannelName, LastStream.StreamId,
                Bucket, Prefix, durationMs, SessionId, streamIds is null ? null : [.. streamIds], _services.Time.GetUtcNow());
            _services.Hub.Raise(LastStream, e);
        }
        catch (Exception e)
        {
            LogEventFailed(_services.Logger, e, ChannelArn, status);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 702, Level = LogLevel.Error, Message = "Recording of {ChannelArn} to {Prefix} failed; the stream goes on")]
    private static partial void LogRecordingFailed(ILogger logger, Exception exception, string channelArn, string prefix);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "Thumbnail of {ChannelArn} skipped: {Reason}")]
    private static partial void LogThumbnailFailed(ILogger logger, string channelArn, string reason);

    [LoggerMessage(EventId = 704, Level = LogLevel.Error, Message = "Could not record the {Status} event of {ChannelArn}")]
    private static partial void LogEventFailed(ILogger logger, Exception exception, string channelArn, string status);
}

/// <summary>Where a recording is in its life.</summary>
internal enum RecordingPhase
{
    /// <summary>A stream feeds it.</summary>
    Recording,

    /// <summary>Its stream ended; a reconnect within the window continues it.</summary>
    Waiting,

    /// <summary>Final files queued (or failed); Recording End follows delivery.</summary>
    Finished,
}
