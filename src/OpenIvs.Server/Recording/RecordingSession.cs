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
    private readonly Dictionary<string, RenditionFeed> _feeds = new(StringComparer.Ordinal); // by rung name; "" is the source
    private readonly List<RenditionRecorder> _renditions = []; // every rendition with media, in the order they began
    private IReadOnlyList<(string Name, int Width, int Height)> _planned = [];
    private RecordingPlan _plan = RecordingPlan.SourceOnly;
    private VideoTrackInfo? _video; // the source's tracks: the merge rule and thumbnails
    private AudioTrackInfo? _audio;
    private int _masterListed = -1; // renditions the last written multivariant playlists listed
    private long _originalBytes; // media bytes of the first stream, for the bitrate rule of merging
    private long _originalFirst = -1;
    private long _originalLast;
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

    public long DurationMs => (long)Math.Round(_renditions.Select(r => r.DurationSeconds).DefaultIfEmpty(0).Max() * 1000);

    /// <summary>A new stream is measuring its bitrate to decide whether it continues this recording: do not end it meanwhile.</summary>
    public bool Claimed { get; set; }

    /// <summary>Bits per second of the recording's first stream (audio and video payload); 0 until measured.</summary>
    public long OriginalBitrate => _originalFirst >= 0 && _originalLast - _originalFirst >= 500 ? _originalBytes * 8000 / (_originalLast - _originalFirst) : 0;

    private bool Failed { get; set; }

    private string? FailureReason { get; set; }

    /// <summary>Starts a recording with the stream's first keyframe: journal, <c>recording-started.json</c>, Recording Start.</summary>
    public static RecordingSession Start(
        RecordingServices services, RecordingConfiguration configuration, LiveStream stream, VideoTrackInfo? video, AudioTrackInfo? audio, RecordingPlan plan)
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
        session.Attach(stream, video, audio, plan);
        session._planned = plan.Planned(video, SourceName(video, audio, stream));
        var thumbnails = configuration.ThumbnailConfiguration;
        if (video is not null && thumbnails?.RecordingMode != RecordingMode.Disabled)
        {
            session._thumbnailSize = Thumbnailer.SizeFor(video.Width, video.Height, thumbnails?.Resolution);
        }

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

        foreach (var rendition in journal.Where(j => (string?)j["k"] == "rendition"))
        {
            var recorder = new RenditionRecorder(
                spool, services.Spool, (bool)rendition["fmp4"]! ? Fmp4RecordingContainer.Instance : TsRecordingContainer.Instance,
                services.Options.MediaFileTarget, services.Time, (string)rendition["name"]!, (int)rendition["width"]!, (int)rendition["height"]!,
                (string)rendition["codecs"]!);
            recorder.Restore(journal);
            session._renditions.Add(recorder);
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
    /// <remarks>The bitrate is checked apart (<see cref="BitrateWithin"/>): the new stream's is measured over its first seconds.</remarks>
    public bool CanContinueWith(VideoTrackInfo? video, AudioTrackInfo? audio, DateTimeOffset now) =>
        Phase == RecordingPhase.Waiting && now <= WaitUntil && !Failed
        && _streamIds.Count < MaxStreams && now - StartedAt < MaxAge
        && video?.Width == _video?.Width && video?.Height == _video?.Height
        && Math.Round(video?.FrameRate ?? 0) == Math.Round(_video?.FrameRate ?? 0)
        && video?.CodecString == _video?.CodecString && audio?.CodecString == _audio?.CodecString;

    /// <summary>IVS merges a stream whose bitrate differs by at most 50 % from the original's (ivs-behavior.md 5.5).</summary>
    public bool BitrateWithin(long bitsPerSecond) => OriginalBitrate <= 0 || Math.Abs(bitsPerSecond - OriginalBitrate) <= OriginalBitrate / 2;

    /// <summary>A stream (the first, or a reconnect within the window) feeds the recording from its next keyframe.</summary>
    public void Attach(LiveStream stream, VideoTrackInfo? video, AudioTrackInfo? audio, RecordingPlan plan)
    {
        LastStream = stream;
        _plan = plan;
        _streamIds.Add(stream.StreamId);
        Spool.Journal(new JsonObject { ["k"] = "stream", ["id"] = stream.StreamId, ["started"] = stream.StartTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) });
        _video = video;
        _audio = audio;
        foreach (var feed in _feeds.Values)
        {
            feed.NeedPeriod = true;
            feed.Video = null; // a rendition's tracks come again from its new reader
            feed.Audio = null;
        }

        if (plan.Source)
        {
            var source = FeedOf(string.Empty, SourceName(video, audio, stream));
            source.Video = video;
            source.Audio = audio;
            source.Packaged = stream.Segments is { IsOpen: true, Packaged: true };
        }

        _lastThumbnail = long.MinValue;
        Phase = RecordingPhase.Recording;
    }

    /// <summary>Whether the recording records the attached stream's source rendition.</summary>
    public bool RecordsSource => _plan.Source;

    /// <summary>Whether the recording records the transcoded rendition (its plan selected it).</summary>
    public bool Records(LiveRendition rendition) => _plan.Rungs.Contains(rendition.Name);

    /// <summary>One item of a selected transcoded rendition of the attached stream (the pump releases frames afterwards).</summary>
    public void HandleRendition(LiveRendition rendition, in StreamItem item)
    {
        if (Phase != RecordingPhase.Recording || rendition.Stream != LastStream || !Records(rendition))
        {
            return;
        }

        try
        {
            var feed = FeedOf(rendition.Name, rendition.Name);
            feed.Packaged = rendition.Segments is { IsOpen: true, Packaged: true };
            Feed(feed, item);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>A segment the playback packager completed for the source (<paramref name="rendition"/> null) or a transcoded rendition of the attached stream.</summary>
    public void HandleSegment(LiveStream stream, LiveRendition? rendition, PackagedSegment segment)
    {
        if (Phase != RecordingPhase.Recording || stream != LastStream || !_feeds.TryGetValue(rendition?.Name ?? string.Empty, out var feed) || !feed.Packaged)
        {
            return;
        }

        try
        {
            if (feed.NeedPeriod)
            {
                feed.Recorder ??= CreateRecorder(feed);
                feed.Recorder.BeginPackagedPeriod();
                feed.NeedPeriod = false;
            }

            feed.Recorder!.AppendPackaged(segment);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>The packager has given a rendition's last segment: its closing ad-break tags follow it.</summary>
    public void EndSegments(LiveStream stream, LiveRendition? rendition, IReadOnlyList<DateRange> finalDateRanges)
    {
        if (finalDateRanges.Count > 0 && stream == LastStream && _feeds.TryGetValue(rendition?.Name ?? string.Empty, out var feed) && feed.Packaged)
        {
            feed.Recorder?.EndPackaged(finalDateRanges);
        }
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
                    _video = item.Video;
                    break;
                case StreamItemKind.AudioConfig:
                    _audio = item.Audio;
                    break;
                case StreamItemKind.Frame:
                    var frame = item.Frame!;
                    if (frame.Kind != MediaKind.Data && _streamIds.Count == 1)
                    {
                        _originalFirst = _originalFirst < 0 ? frame.Timestamp : _originalFirst;
                        _originalLast = Math.Max(_originalLast, frame.Timestamp);
                        _originalBytes += frame.Length;
                    }

                    if (frame.Kind == MediaKind.Video && frame.IsKeyframe)
                    {
                        MaybeThumbnail(frame);
                    }

                    break;
            }

            if (_feeds.TryGetValue(string.Empty, out var source))
            {
                Feed(source, item);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>An item into one rendition: a new period after a gap or a changed configuration, media from the next keyframe.</summary>
    private void Feed(RenditionFeed feed, in StreamItem item)
    {
        // A packaged feed's segments carry their own discontinuities (a new map generation): only its tracks matter here.
        var cuts = !feed.Packaged;
        switch (item.Kind)
        {
            case StreamItemKind.VideoConfig:
                if (cuts && feed.Video is not null && !feed.Video.DecoderConfiguration.AsSpan().SequenceEqual(item.Video!.DecoderConfiguration))
                {
                    EndPeriod(feed);
                }

                feed.Video = item.Video;
                break;
            case StreamItemKind.AudioConfig:
                if (cuts && feed.Audio is not null && !feed.Audio.AudioSpecificConfig.AsSpan().SequenceEqual(item.Audio!.AudioSpecificConfig))
                {
                    EndPeriod(feed);
                }

                feed.Audio = item.Audio;
                break;
            case StreamItemKind.Gap when cuts:
                EndPeriod(feed); // frames were lost: a discontinuity, resuming at the next keyframe
                break;
            case StreamItemKind.Frame:
                Write(feed, item.Frame!);
                break;
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
            foreach (var rendition in _renditions)
            {
                rendition.Complete(_services.Time.GetUtcNow());
            }

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
            foreach (var rendition in _renditions)
            {
                rendition.Abandon(_services.Time.GetUtcNow());
            }

            WriteMasterPlaylists(final: true);
        }
        catch (Exception) when (_renditions.Count > 0)
        {
            foreach (var rendition in _renditions)
            {
                rendition.Discard(); // not even that can be written (a full disk)
            }
        }

        _ = SealAsync(RecordingMetadata.Failed, FailureReason);
    }

    private void Write(RenditionFeed feed, MediaFrame frame)
    {
        if (feed.Packaged)
        {
            return; // its media comes as the packager's segments (HandleSegment)
        }

        if (feed.NeedPeriod)
        {
            var starts = feed.Video is not null ? frame.Kind == MediaKind.Video && frame.IsKeyframe : feed.Audio is not null && frame.Kind == MediaKind.Audio;
            if (!starts)
            {
                return;
            }

            feed.Recorder ??= CreateRecorder(feed);
            feed.Recorder.BeginPeriod(feed.Video, feed.Audio);
            feed.NeedPeriod = false;
        }

        feed.Recorder!.FollowAdBreaks(LastStream);
        feed.Recorder.Write(frame, _services.Time.GetUtcNow());
    }

    private void EndPeriod()
    {
        foreach (var feed in _feeds.Values)
        {
            EndPeriod(feed);
        }
    }

    private void EndPeriod(RenditionFeed feed)
    {
        feed.NeedPeriod = true;
        feed.Recorder?.FollowAdBreaks(LastStream); // the post-roll of a stream that ends
        feed.Recorder?.EndPeriod();
    }

    private RenditionFeed FeedOf(string key, string name)
    {
        if (!_feeds.TryGetValue(key, out var feed))
        {
            _feeds[key] = feed = new RenditionFeed(name);
        }

        return feed;
    }

    /// <summary>The source's folder name: the ladder's name for it, else <c>&lt;height&gt;p&lt;fps&gt;</c> of the picture.</summary>
    private static string SourceName(VideoTrackInfo? video, AudioTrackInfo? audio, LiveStream stream)
    {
        if (video is null)
        {
            return "audio_only";
        }

        if (stream.Ladder?.FirstOrDefault(r => r.Kind == RungKind.Source) is { } source)
        {
            return source.Name;
        }

        var fps = video.FrameRate ?? stream.Metrics.FrameRate;
        return $"{video.Height}p{(int)Math.Round(fps > 0 ? fps : 30)}";
    }

    /// <summary>A rendition's recorder, made at its first keyframe (when its picture and codecs are known) and journaled for recovery.</summary>
    private RenditionRecorder CreateRecorder(RenditionFeed feed)
    {
        var video = feed.Video;
        var codecs = video is null ? feed.Audio?.CodecString ?? string.Empty
            : feed.Audio is null ? video.CodecString : $"{video.CodecString},{feed.Audio.CodecString}";
        var recorder = new RenditionRecorder(
            Spool, _services.Spool, IRecordingContainer.For(LastStream.Channel.ContainerFormat), _services.Options.MediaFileTarget, _services.Time,
            feed.Name, video?.Width ?? 0, video?.Height ?? 0, codecs)
        {
            SpliceInfoStream = !string.IsNullOrEmpty(LastStream.Channel.AdConfigurationArn),
        };
        recorder.FileClosed += _ => WriteMasterPlaylists(final: false);
        Spool.Journal(recorder.Describe());
        _renditions.Add(recorder);
        return recorder;
    }

    /// <summary>
    /// master.m3u8 and byte-range-multivariant.m3u8, highest rendition first: written when a rendition's first media
    /// file is complete (so they list only renditions with media) and again at the end.
    /// </summary>
    private void WriteMasterPlaylists(bool final)
    {
        var listed = _renditions.Where(r => final || r.ClosedFiles > 0).OrderByDescending(r => r.Height).ToList();
        if (listed.Count == 0 || (!final && listed.Count == _masterListed))
        {
            return;
        }

        foreach (var (file, playlist) in new[] { ("master.m3u8", "playlist.m3u8"), ("byte-range-multivariant.m3u8", "byte-range-variant.m3u8") })
        {
            var master = new MultivariantPlaylist
            {
                SessionData =
                [
                    new SessionData("net.live-video.content.id", ChannelId),
                    new SessionData("net.live-video.customer.id", _services.Account),
                ],
                Media = [.. listed.Where(r => r.Height > 0).Select(r => new AlternativeMedia
                {
                    Type = "VIDEO", GroupId = r.Name, Name = $"{r.Height}p", AutoSelect = true, Default = r == listed[0],
                })],
                Variants = [.. listed.Select(r => new VariantStream
                {
                    Uri = $"{r.Name}/{playlist}",
                    Bandwidth = Math.Max(1, r.PeakBitrate > 0 ? r.PeakBitrate : LastStream.Metrics.TotalBitrate),
                    Codecs = r.Codecs,
                    Resolution = r.Height > 0 ? new Resolution(r.Width, r.Height) : null,
                    Video = r.Height > 0 ? r.Name : null,
                })],
            };
            var buffer = new ArrayBufferWriter<byte>(512);
            MultivariantPlaylistWriter.Write(buffer, master);
            if (!Spool.EnqueueBytes("media/hls/" + file, buffer.WrittenSpan, force: final || Phase == RecordingPhase.Finished))
            {
                throw new RecordingSpoolFullException();
            }
        }

        _masterListed = listed.Count;
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
        // recording-started.json lists the renditions the recording means to make; the final file those it made.
        var renditions = status == RecordingMetadata.Started ? _planned : [.. _renditions.Select(r => (r.Name, r.Width, r.Height))];
        return RecordingMetadata.Build(status, ChannelArn, StartedAt, endedAt, message, durationMs, renditions, _thumbnailSize, _sequential, _latest);
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

    /// <summary>One rendition's input: its tracks, whether it waits for a keyframe to begin a period, and its recorder once it has media.</summary>
    private sealed class RenditionFeed(string name)
    {
        public string Name { get; } = name;

        public VideoTrackInfo? Video { get; set; }

        public AudioTrackInfo? Audio { get; set; }

        public bool NeedPeriod { get; set; } = true;

        /// <summary>Its media comes from the playback packager's segments rather than its frames.</summary>
        public bool Packaged { get; set; }

        public RenditionRecorder? Recorder { get; set; }
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
