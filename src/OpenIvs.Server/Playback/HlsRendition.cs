using System.Buffers;
using System.Collections.Concurrent;
using OpenIvs.Media.Frames;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// One rendition of a live stream packaged as HLS (the source, or a transcoded rung in the source's
/// <see cref="Variants"/>): moves the stream's frames from its hub reader into
/// a <see cref="LiveSegmenter"/> when the packager's pump calls <see cref="Pump"/>, wakes requests waiting for the next part, caches the serialized playlist of
/// the current snapshot (every viewer of a part gets the same bytes), and keeps the stream's viewer sessions.
/// </summary>
internal sealed partial class HlsRendition : IDisposable
{
    private readonly LiveSegmenterOptions _segmenterOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LiveStreamReader _reader;
    private LiveSegmenter? _segmenter;
    private VideoTrackInfo? _video;
    private AudioTrackInfo? _audio;
    private int _audioFramesWithoutVideo;
    private readonly List<MediaFrame> _earlyMetadata = []; // timed metadata that arrived before the first keyframe
    private const int MaxEarlyMetadata = 64;
    private readonly Queue<MediaFrame> _sourceMetadata = new(); // a rung's copy of the source's timed metadata, written when the rung reaches it
    private TaskCompletionSource _nextPart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CachedPlaylist? _fullPlaylist;
    private CachedPlaylist? _deltaPlaylist;
    private int _disposed;
    private readonly HlsRendition? _source;
    private readonly AdBreakFollower _adBreaks = new();
    private const int MaxUnalignedKeyframes = 10; // a rung whose keyframes match no source segment start this long starts anyway
    private int _unalignedKeyframes;
    private long _sourceDelay; // a rung's decode time minus the source's at the same frame (ms)
    private long _lastPartAt; // TimeProvider timestamp of the newest part's publication
    private long _lastPartSequence = -1; // writer's thread only

    public HlsRendition(LiveStream stream, LiveStreamReader reader, LiveSegmenterOptions segmenterOptions, TimeProvider time, ILogger logger, LiveRendition? rendition = null, HlsRendition? source = null)
    {
        Stream = stream;
        Rendition = rendition;
        _source = source;
        _reader = reader;
        _segmenterOptions = segmenterOptions;
        _time = time;
        _logger = logger;
        UriScheme = new HlsUriScheme(segmenterOptions.Format);
        Tap.MarkPackaged();
    }

    /// <summary>Where completed segments go for the recorder (it records these bytes instead of cutting them again).</summary>
    private SegmentTap Tap => Rendition?.Segments ?? Stream.Segments;

    public LiveStream Stream { get; }

    /// <summary>The transcoded rung this packages; null for the source rendition.</summary>
    public LiveRendition? Rendition { get; }

    /// <summary>The source's other renditions by rung name (only the source rendition has them).</summary>
    public ConcurrentDictionary<string, HlsRendition> Variants { get; } = new(StringComparer.Ordinal);

    public HlsUriScheme UriScheme { get; }

    public bool IsPrivate => Stream.Channel.Authorized == true;

    /// <summary>Null until the first keyframe (no playlist can be served before it).</summary>
    public HlsStreamSnapshot? Snapshot => Volatile.Read(ref _segmenter)?.Snapshot;

    /// <summary>When the broadcast ended (the playlist then carries EXT-X-ENDLIST); null while live.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Viewer sessions by id, each with the time of its last playlist request.</summary>
    public ConcurrentDictionary<string, ViewerSession> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>How long ago the newest part was published; null before the first.</summary>
    public TimeSpan? NewestPartAge => Volatile.Read(ref _lastPartAt) is var at && at != 0 ? _time.GetElapsedTime(at) : null;

    /// <summary>A task that completes when the next part is published (take it before checking the snapshot).</summary>
    public Task NextPart => Volatile.Read(ref _nextPart).Task;

    /// <summary>
    /// The ingest side, called by the packager's pump only: packages the frames the hub has queued since the
    /// last call. Returns false once the stream has ended (the playlist then carries EXT-X-ENDLIST).
    /// </summary>
    public bool Pump()
    {
        // The source first: a rung's keyframe then finds the source segment it starts (see FollowSource).
        var live = PumpItems();
        foreach (var (_, variant) in Variants)
        {
            variant.Pump();
        }

        return live;
    }

    private bool PumpItems()
    {
        if (EndedAt is not null)
        {
            return false;
        }

        try
        {
            while (_reader.Items.TryRead(out var item))
            {
                Package(item);
            }

            if (!_reader.Items.Completion.IsCompleted)
            {
                return true;
            }
        }
        catch (Exception e)
        {
            // A packaging failure ends this stream's playback only; ingest and other streams go on.
            LogPackagingFailed(_logger, e, Stream.ChannelArn, Stream.StreamId);
        }

        _ = _reader.DisposeAsync(); // completes synchronously: releases what is still queued
        if (Volatile.Read(ref _disposed) == 0)
        {
            if (_segmenter is not null)
            {
                _adBreaks.Follow(Stream, _segmenter); // the post-roll comes with the end
                _segmenter.Complete();
            }
        }

        Tap.Complete(_segmenter?.Snapshot.Playlist.DateRanges);

        EndedAt = _time.GetUtcNow();
        WakeWaiters();
        return false;
    }

    private void Package(in StreamItem item)
    {
        switch (item.Kind)
        {
            case StreamItemKind.VideoConfig:
                if (_segmenter is not null && !SameConfiguration(_video?.DecoderConfiguration, item.Video!.DecoderConfiguration))
                {
                    _segmenter.BeginDiscontinuity(video: item.Video);
                }

                _video = item.Video;
                break;
            case StreamItemKind.AudioConfig:
                if (_segmenter is not null && !SameConfiguration(_audio?.AudioSpecificConfig, item.Audio!.AudioSpecificConfig))
                {
                    _segmenter.BeginDiscontinuity(audio: item.Audio);
                }

                _audio = item.Audio;
                break;
            case StreamItemKind.Frame:
                var frame = item.Frame!;
                try
                {
                    if (frame.Kind == MediaKind.Data && _source is null)
                    {
                        // PutMetadata reaches the source only: every rung carries it too, so a viewer on any rung gets the cue.
                        foreach (var variant in Variants.Values)
                        {
                            variant.FollowSourceMetadata(frame);
                        }
                    }

                    if (_segmenter is null)
                    {
                        // Start at the first keyframe once the decoder configuration is known; a stream
                        // without video starts once audio has flowed for a while (about a second of AAC).
                        var startsVideo = _video is not null && frame.Kind == MediaKind.Video && frame.IsKeyframe;
                        var startsAudioOnly = _video is null && _audio is not null && frame.Kind == MediaKind.Audio && ++_audioFramesWithoutVideo > 50;
                        startsVideo = startsVideo && FollowSource(frame.Timestamp, frame.CompositionOffset);
                        if (startsVideo || startsAudioOnly)
                        {
                            var segmenter = new LiveSegmenter(_segmenterOptions, _video, _audio);
                            segmenter.PartCompleted += OnPartCompleted;
                            Volatile.Write(ref _segmenter, segmenter);
                            WriteEarlyMetadata(segmenter, frame.Timestamp);
                        }
                        else if (frame.Kind == MediaKind.Data && _earlyMetadata.Count < MaxEarlyMetadata)
                        {
                            // PutMetadata before the first keyframe: delivered with the first segment, not dropped.
                            _earlyMetadata.Add(frame.Retain());
                        }
                    }

                    if (_segmenter is { } current)
                    {
                        _adBreaks.Follow(Stream, current);
                        WriteSourceMetadata(current, frame.Timestamp);

                        // A transcoded rendition follows the source's clock, so EXT-X-PROGRAM-DATE-TIME (and the
                        // START-DATE of ad breaks) agree across renditions despite the transcoder's delay (its decode
                        // times are the source's presentation times: _sourceDelay is the source's B-frame delay).
                        current.Write(frame, _source?.Snapshot is not null ? _source.DateTimeOf(frame.Timestamp - _sourceDelay) ?? _time.GetUtcNow() : _time.GetUtcNow());
                    }
                }
                finally
                {
                    frame.Release();
                }

                break;
        }
    }

    /// <summary>
    /// Whether a transcoded rung may start at its keyframe at <paramref name="timestamp"/>: only where the source started a
    /// segment, whose media sequence and part numbers the rung then takes. The rung is cut at the same keyframes from
    /// there on, so a number means the same media in every rendition (HLS requires it; players that switch by number,
    /// not by date, would jump otherwise). The source rendition starts at any keyframe.
    /// </summary>
    private bool FollowSource(long timestamp, int compositionOffset)
    {
        if (_source is null)
        {
            return true;
        }

        if (Volatile.Read(ref _source._segmenter)?.SegmentStartingAt(timestamp + compositionOffset) is { } start)
        {
            _sourceDelay = timestamp - start.Timestamp;
            _segmenterOptions.FirstMediaSequence = start.MediaSequence; // this rendition's own options (HlsPackager.SegmenterOptionsFor)
            _segmenterOptions.FirstPartSequence = start.FirstPartSequence;
            LogFollowing(_logger, Stream.ChannelArn, Rendition?.Name ?? string.Empty, timestamp, start.MediaSequence, _unalignedKeyframes);
            return true;
        }

        if (++_unalignedKeyframes <= MaxUnalignedKeyframes)
        {
            return false; // a keyframe inside a source segment: wait for the next one
        }

        LogUnaligned(_logger, Stream.ChannelArn, Rendition?.Name ?? string.Empty, timestamp);
        return true; // never no rung at all: it plays, numbered on its own
    }

    /// <summary>EXT-X-PROGRAM-DATE-TIME of a stream time on this rendition's clock; null before its first segment.</summary>
    public DateTimeOffset? DateTimeOf(long timestamp) => Volatile.Read(ref _segmenter)?.DateTimeOf(timestamp);

    /// <summary>A rung: the source packaged timed metadata (same thread: variants are pumped by their source).</summary>
    private void FollowSourceMetadata(MediaFrame metadata)
    {
        if (_sourceMetadata.Count < MaxEarlyMetadata && EndedAt is null)
        {
            _sourceMetadata.Enqueue(metadata.Retain());
        }
    }

    /// <summary>
    /// A rung writes the source's metadata once its own frames reach the cue's time (rung timestamps are the source's
    /// presentation times, <see cref="_sourceDelay"/> later), so the cue falls in the same segment as in the source.
    /// </summary>
    private void WriteSourceMetadata(LiveSegmenter segmenter, long upTo)
    {
        while (_sourceMetadata.TryPeek(out var metadata) && metadata.Timestamp + _sourceDelay <= upTo)
        {
            _sourceMetadata.Dequeue();
            var retimed = MediaFrame.Create(MediaKind.Data, metadata.Payload.Span, metadata.Timestamp + _sourceDelay, 0, isKeyframe: true);
            try
            {
                segmenter.Write(retimed, _time.GetUtcNow());
            }
            finally
            {
                retimed.Release();
                metadata.Release();
            }
        }
    }

    /// <summary>Writes the metadata held back before the stream started, at the time the stream starts.</summary>
    private void WriteEarlyMetadata(LiveSegmenter segmenter, long start)
    {
        foreach (var early in _earlyMetadata)
        {
            var retimed = MediaFrame.Create(MediaKind.Data, early.Payload.Span, start, 0, isKeyframe: true);
            try
            {
                segmenter.Write(retimed, _time.GetUtcNow());
            }
            finally
            {
                retimed.Release();
                early.Release();
            }
        }

        _earlyMetadata.Clear();
    }

    /// <summary>The serialized media playlist of a snapshot, computed once per snapshot and form.</summary>
    public ReadOnlyMemory<byte> GetPlaylist(HlsStreamSnapshot snapshot, bool delta)
    {
        ref var slot = ref delta ? ref _deltaPlaylist : ref _fullPlaylist;
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Version == snapshot.Version)
        {
            return cached.Bytes;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        MediaPlaylistWriter.Write(buffer, snapshot.Playlist, deltaUpdate: delta);
        PrefetchPlaylist.Write(buffer, snapshot, UriScheme); // the IVS web player's dialect, beside LL-HLS
        cached = new CachedPlaylist(snapshot.Version, buffer.WrittenMemory);

        // Keep the newest: a request still holding an older snapshot must not replace a newer entry.
        var current = Volatile.Read(ref slot);
        if (current is null || current.Version < cached.Version)
        {
            Interlocked.CompareExchange(ref slot, cached, current);
        }

        return cached.Bytes;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Volatile.Read(ref _segmenter)?.Dispose();
            foreach (var early in _earlyMetadata)
            {
                early.Release();
            }

            _earlyMetadata.Clear();
            while (_sourceMetadata.TryDequeue(out var metadata))
            {
                metadata.Release();
            }

            Tap.Complete();

            foreach (var variant in Variants.Values)
            {
                variant.Dispose();
            }

            WakeWaiters();
        }
    }

    private void OnPartCompleted(HlsPartCompleted completed)
    {
        // A part closed on its last frame is announced again when the keyframe after it completes its segment: that is
        // no new part, and the newest part's age goes on (a player's first playlist waits for a fresh one).
        if (completed.PartSequence != _lastPartSequence)
        {
            _lastPartSequence = completed.PartSequence;
            Volatile.Write(ref _lastPartAt, _time.GetTimestamp());
        }

        WakeWaiters();
        if (completed.SegmentCompleted)
        {
            Tap.Offer(completed.Snapshot, completed.MediaSequence);
        }
    }

    private void WakeWaiters()
    {
        var previous = Interlocked.Exchange(ref _nextPart, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    private static bool SameConfiguration(byte[]? current, byte[] next) => current is not null && current.AsSpan().SequenceEqual(next);

    private sealed record CachedPlaylist(long Version, ReadOnlyMemory<byte> Bytes);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "HLS packaging of {ChannelArn} stream {StreamId} failed; its playback has ended")]
    private static partial void LogPackagingFailed(ILogger logger, Exception exception, string channelArn, string streamId);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "HLS packaging of {ChannelArn} rendition {Rendition}: starts at {Timestamp} ms with source segment {MediaSequence} ({Skipped} keyframes skipped)")]
    private static partial void LogFollowing(ILogger logger, string channelArn, string rendition, long timestamp, long mediaSequence, int skipped);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "HLS packaging of {ChannelArn} rendition {Rendition}: no source segment starts at its keyframes (last at {Timestamp} ms); its segment numbers do not follow the source's")]
    private static partial void LogUnaligned(ILogger logger, string channelArn, string rendition, long timestamp);
}

/// <summary>A viewer's playback session: started by a multivariant playlist request, kept alive by media playlist requests.</summary>
internal sealed class ViewerSession(long lastSeen, PlaybackGrant grant)
{
    private long _lastSeen = lastSeen;
    private int _playlists;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> of the last playlist request.</summary>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>What the viewer's token (private channels) or the channel's policy allows.</summary>
    public PlaybackGrant Grant { get; } = grant;

    public void Touch(long timestamp) => Volatile.Write(ref _lastSeen, timestamp);

    /// <summary>True for the session's first media playlist request (its player starting), false for every later one.</summary>
    public bool TakeFirstPlaylist() => Interlocked.Exchange(ref _playlists, 1) == 0;

    /// <summary>Forgets the sessions not seen within <paramref name="timeout"/> and counts the others (the viewers).</summary>
    public static int CountViewers(ConcurrentDictionary<string, ViewerSession> sessions, TimeProvider time, long now, TimeSpan timeout)
    {
        var viewers = 0;
        foreach (var (sessionId, session) in sessions)
        {
            if (time.GetElapsedTime(session.LastSeen, now) > timeout)
            {
                sessions.TryRemove(sessionId, out _);
            }
            else
            {
                viewers++;
            }
        }

        return viewers;
    }
}
