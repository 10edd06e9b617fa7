using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Primitives;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Relayed playback (docs/playback.md): serves a channel whose stream another node holds, so the playback URL works
/// on every node. Viewers are checked here (tokens, policies, revocation: this node sees the viewer) and their
/// sessions counted here (<see cref="RelayedViewerCounts"/>); the holder is asked with requests signed by
/// <see cref="NodeSignature"/>, which it answers without viewer checks. Each resource (part, segment, init segment,
/// blocking playlist reload) is asked of the holder once however many viewers wait for it: concurrent requests
/// share one fetch, whose body every viewer is given as it arrives (a prefetch segment part by part while the holder
/// writes it), and its bytes stay in pooled buffers while viewers may still ask (parts and blocking playlists a
/// few seconds, segments and init segments the playlist window), then go back. What the holder's answer depends on
/// besides the URL (the IVS player's Accept header) is passed on and is part of the key.
/// </summary>
internal sealed partial class HlsRelay : IDisposable
{
    /// <summary>The query parameter of a relay's multivariant request: the viewer token's maximum shorter edge.</summary>
    public const string MaximumShortEdgeParameter = "relay_max";

    /// <summary>Session id the holder writes into a relay's multivariant playlist; the relay puts its viewer's session there.</summary>
    public const string SessionPlaceholder = "~relay-session~";

    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MultivariantLinger = TimeSpan.FromSeconds(2);
    private const int MaxBody = 64 * 1024 * 1024;
    private const string PrefetchDialectKey = "#prefetch"; // after a playlist's key: answers for players that read prefetch lines
    private static readonly string[] Kinds = ["multivariant", "playlist", "part", "segment", "init"];

    private readonly PlaybackOptions _options;
    private readonly PlaybackAuthorizer _authorizer;
    private readonly IStreamLocator _locator;
    private readonly NodeSignature _signature;
    private readonly RelayedViewerCounts _viewerCounts;
    private readonly ViewerLimit _viewerLimit;
    private readonly TimeProvider _time;
    private readonly ILogger<HlsRelay> _logger;
    private readonly HttpClient _http;
    private readonly PartBufferPool _pool = new(maxArrayLength: MaxBody);
    private readonly ConcurrentDictionary<string, RelayedStream> _streams = new(StringComparer.Ordinal);
    private readonly HashSet<string> _countedChannels = new(StringComparer.Ordinal); // sweep only
    private readonly long[] _upstream = new long[Kinds.Length];
    private readonly long[] _served = new long[Kinds.Length];
    private readonly ITimer _sweep;
    private readonly TimeSpan _partLinger;
    private long _cachedBytes;
    private int _waiting;
    private int _sweeping;

    public HlsRelay(
        PlaybackOptions options, PlaybackAuthorizer authorizer, IStreamLocator locator, NodeSignature signature, RelayedViewerCounts viewerCounts,
        ViewerLimit viewerLimit, TimeProvider time, ILogger<HlsRelay> logger)
    {
        _viewerLimit = viewerLimit;
        _options = options;
        _authorizer = authorizer;
        _locator = locator;
        _signature = signature;
        _viewerCounts = viewerCounts;
        _time = time;
        _logger = logger;

        // Parts and blocking playlists are asked for near the live edge only: a few segments' time covers every viewer.
        _partLinger = 3 * options.LowLatencySegmentTarget;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            // Blocking requests wait up to three target durations (NORMAL: 3 x 6 s) on the holder.
            Timeout = TimeSpan.FromSeconds(30),
        };
        _sweep = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>Requests sent to holders, by kind (multivariant, playlist, part, segment, init).</summary>
    public IEnumerable<(string Kind, long Count)> UpstreamRequests => Kinds.Select((kind, i) => (kind, Volatile.Read(ref _upstream[i])));

    /// <summary>Viewer requests answered from relayed streams, by kind.</summary>
    public IEnumerable<(string Kind, long Count)> ServedRequests => Kinds.Select((kind, i) => (kind, Volatile.Read(ref _served[i])));

    /// <summary>Streams relayed now.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>Bytes of fetched resources held now (cached, or still being written to a viewer).</summary>
    public long CachedBytes => Volatile.Read(ref _cachedBytes);

    /// <summary>
    /// The multivariant playlist of a channel live on another node, for a viewer already authorized here
    /// (<paramref name="grant"/>): starts the viewer's session on this node.
    /// </summary>
    public async Task MultivariantAsync(HttpContext context, string name, Channel channel, PlaybackGrant grant, string? allowOrigin)
    {
        var isHead = HttpMethods.IsHead(context.Request.Method);
        if (FindStream(channel, streamId: null) is not { } stream)
        {
            await HlsOrigin.ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        if (!_viewerLimit.Admits(stream.ChannelArn, stream.Sessions.Count))
        {
            await HlsOrigin.ErrorAsync(context, StatusCodes.Status429TooManyRequests, "too many viewers", "too_many_viewers", allowOrigin).ConfigureAwait(false);
            return;
        }

        var maximum = grant.MaximumShortEdge;
        var path = HlsOrigin.PathPrefix + name + ".m3u8"
            + (maximum is { } edge ? "?" + MaximumShortEdgeParameter + "=" + edge.ToString(CultureInfo.InvariantCulture) : string.Empty);
        var entry = await AcquireAsync(context, stream, "mv/" + maximum, path, accept: null, "multivariant", MultivariantLinger, allowOrigin).ConfigureAwait(false);
        if (entry is null)
        {
            return;
        }

        try
        {
            if (entry.Status != StatusCodes.Status200OK)
            {
                await StreamAsync(context, entry, allowOrigin, isHead).ConfigureAwait(false);
                return;
            }

            // The relay edits this one (the viewer's session): it needs the whole body.
            try
            {
                await entry.Completion.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (entry.Failed)
            {
                await HlsOrigin.NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
                return;
            }

            var text = Encoding.UTF8.GetString(entry.ToArray());
            LearnShortEdges(stream, text);
            if (await _authorizer.SpendAsync(grant, context.RequestAborted).ConfigureAwait(false) is { } spendRefusal)
            {
                await HlsOrigin.ErrorAsync(context, StatusCodes.Status403Forbidden, spendRefusal, "playback_auth_error", allowOrigin).ConfigureAwait(false);
                return;
            }

            var sessionId = HlsOrigin.NewSessionId();
            stream.Sessions[sessionId] = new ViewerSession(_time.GetTimestamp(), grant);
            WriteHeaders(context, entry);
            await HlsOrigin.WriteBodyAsync(context, Encoding.UTF8.GetBytes(text.Replace(SessionPlaceholder, sessionId, StringComparison.Ordinal)), allowOrigin, isHead).ConfigureAwait(false);
        }
        finally
        {
            entry.Release();
        }
    }

    /// <summary>
    /// A media playlist, part, segment or init segment of a stream held by another node, or 404. <paramref name="file"/>
    /// is the last path component; <paramref name="rendition"/> the rung (null: the source).
    /// </summary>
    public async Task MediaAsync(HttpContext context, string name, Channel channel, string streamId, string? rendition, string? pathSession, string file)
    {
        var request = context.Request;
        var isHead = HttpMethods.IsHead(request.Method);
        if (FindStream(channel, streamId) is not { } stream)
        {
            await HlsOrigin.ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", "*").ConfigureAwait(false);
            return;
        }

        var shortEdge = stream.ShortEdges.TryGetValue(rendition ?? string.Empty, out var edge) ? edge : int.MaxValue; // unknown: above any maximum
        var refusal = HlsOrigin.CheckViewer(_authorizer, context, channel, stream.ChannelArn, stream.IsPrivate, stream.Sessions, pathSession, shortEdge, out var session, out var allowOrigin);
        if (refusal is not null)
        {
            await refusal.ConfigureAwait(false);
            return;
        }

        var streamPath = HlsOrigin.PathPrefix + name + "/" + streamId + (rendition is null ? "/" : "." + rendition + "/");
        var renditionKey = (rendition ?? string.Empty) + "/";
        string key, path, kind;
        string? accept = null;
        TimeSpan linger;
        if (file == "index.m3u8")
        {
            session?.Touch(_time.GetTimestamp());
            var query = request.Query;
            if (!TryNumber(query["_HLS_msn"], out var msn) || !TryNumber(query["_HLS_part"], out var part) || (part is not null && msn is null))
            {
                await HlsOrigin.ErrorAsync(context, StatusCodes.Status400BadRequest, "_HLS_msn and _HLS_part must be non-negative integers, _HLS_part with _HLS_msn", "bad_request", allowOrigin).ConfigureAwait(false);
                return;
            }

            // Only what the holder's answer depends on, in one order: equal requests share one fetch.
            var skip = query["_HLS_skip"] is var s && (s == "YES" || s == "v2") ? (string?)s : null;
            var builder = new StringBuilder("index.m3u8");
            var separator = '?';
            foreach (var (parameter, value) in new (string, string?)[] { ("_HLS_msn", msn?.ToString(CultureInfo.InvariantCulture)), ("_HLS_part", part?.ToString(CultureInfo.InvariantCulture)), ("_HLS_skip", skip) })
            {
                if (value is not null)
                {
                    builder.Append(separator).Append(parameter).Append('=').Append(value);
                    separator = '&';
                }
            }

            // The holder answers a player that reads prefetch lines (the IVS web player, known by its Accept header)
            // at a segment start: that dialect is passed on, and its answers are never shared with other players'.
            var relative = builder.ToString();
            var dialect = PrefetchPlaylist.ReadsPrefetch(request);
            accept = dialect ? PrefetchPlaylist.PlayerAccept : null;
            (key, path, kind) = (renditionKey + relative + (dialect ? PrefetchDialectKey : string.Empty), streamPath + relative, "playlist");

            // A blocking reload answers "the playlist as of that part or later" for good; any other is stale at the next part.
            linger = msn is null ? TimeSpan.Zero : _partLinger;
        }
        else if (stream.UriScheme.TryParse(file, out var resource, out _))
        {
            (key, path) = (renditionKey + file, streamPath + file);
            (kind, linger) = resource switch
            {
                HlsResourceKind.Part => ("part", _partLinger),
                HlsResourceKind.Segment => ("segment", _options.Window),
                _ => ("init", _options.Window),
            };
        }
        else
        {
            await HlsOrigin.ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        var entry = await AcquireAsync(context, stream, key, path, accept, kind, linger, allowOrigin).ConfigureAwait(false);
        if (entry is null)
        {
            return;
        }

        try
        {
            await StreamAsync(context, entry, allowOrigin, isHead).ConfigureAwait(false);
        }
        finally
        {
            entry.Release();
        }
    }

    /// <summary>
    /// The relayed stream of <paramref name="channel"/> (with that stream id, when given): one already relayed, or the
    /// one the locator says another node holds now. Null when neither.
    /// </summary>
    private RelayedStream? FindStream(Channel channel, string? streamId)
    {
        if (streamId is not null && _streams.TryGetValue(streamId, out var known) && !known.IsClosed && known.ChannelArn == channel.Arn)
        {
            return known;
        }

        var remote = channel.Arn is { } arn ? _locator.FindRemote(arn) : null;
        if (remote is null || (streamId is not null && remote.StreamId != streamId))
        {
            return null;
        }

        if (_streams.TryGetValue(remote.StreamId, out var existing) && !existing.IsClosed)
        {
            return existing;
        }

        var created = new RelayedStream(
            remote.ChannelArn, remote.StreamId, remote.AdvertiseUrl, channel.Authorized == true,
            channel.ContainerFormat == ContainerFormat.FragmentedMp4 ? HlsContainerFormat.Fmp4 : HlsContainerFormat.MpegTs, _time.GetTimestamp());
        var stream = _streams.AddOrUpdate(remote.StreamId, created, (_, current) => current.IsClosed ? created : current);
        if (stream == created)
        {
            LogRelaying(_logger, remote.ChannelArn, remote.StreamId, remote.NodeId);
        }

        return stream;
    }

    /// <summary>
    /// The entry for <paramref name="key"/> with a reference for the caller (release it), once the holder's headers are
    /// in: the one in the cache or in flight, else a new fetch. Null when the viewer went away meanwhile, or was answered
    /// 503 (too many waiting).
    /// </summary>
    private async Task<RelayEntry?> AcquireAsync(
        HttpContext context, RelayedStream stream, string key, string path, string? accept, string kind, TimeSpan linger, string? allowOrigin)
    {
        var now = _time.GetTimestamp();
        stream.Touch(now);
        Interlocked.Increment(ref _served[Array.IndexOf(Kinds, kind)]);
        while (true)
        {
            var entry = stream.Entries.GetOrAdd(key, static (_, state) => new RelayEntry(state.kind, state.linger, state.now, state.relay._pool, state.relay.AccountBytes), (kind, linger, now, relay: this));
            if (!entry.TryAddReference())
            {
                stream.Entries.TryRemove(new KeyValuePair<string, RelayEntry>(key, entry)); // freed: fetch anew
                continue;
            }

            if (entry.TryStart())
            {
                _ = FetchAsync(stream, key, entry, path, accept);
            }

            entry.Touch(now);
            if (entry.HasHeaders)
            {
                return entry;
            }

            // Waiting viewers are bounded as on the holder (PlaybackOptions.MaxBlockedRequests).
            try
            {
                if (Interlocked.Increment(ref _waiting) > _options.MaxBlockedRequests)
                {
                    entry.Release();
                    context.Response.Headers.RetryAfter = "1";
                    await HlsOrigin.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "too many waiting requests", "server_busy", allowOrigin).ConfigureAwait(false);
                    return null;
                }

                await entry.Headers.WaitAsync(context.RequestAborted).ConfigureAwait(false);
                return entry;
            }
            catch (OperationCanceledException)
            {
                entry.Release();
                return null;
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
    }

    private void AccountBytes(long delta) => Interlocked.Add(ref _cachedBytes, delta);

    /// <summary>
    /// Asks the holder for <paramref name="path"/> with a signed request and fills <paramref name="entry"/> with its
    /// answer as it arrives: the headers, then the body read straight into the entry's pooled chunks.
    /// </summary>
    private async Task FetchAsync(RelayedStream stream, string key, RelayEntry entry, string path, string? accept)
    {
        Interlocked.Increment(ref _upstream[Array.IndexOf(Kinds, entry.Kind)]);
        var failed = true;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stream.Holder, path));
            request.Headers.TryAddWithoutValidation(NodeSignature.HeaderName, _signature.Sign("GET", path));
            if (accept is not null)
            {
                request.Headers.TryAddWithoutValidation("Accept", accept);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stream.Closing).ConfigureAwait(false);
            var content = response.Content;
            var declared = content.Headers.ContentLength;
            if (declared > MaxBody)
            {
                throw new HttpRequestException($"the holder's answer is larger than {MaxBody} bytes");
            }

            // Raw header values: the holder's own, so relayed responses carry exactly the origin's cache headers.
            entry.Start(
                (int)response.StatusCode,
                Header(content.Headers.NonValidated, "Content-Type"),
                Header(response.Headers.NonValidated, "Cache-Control"),
                Header(response.Headers.NonValidated, "Retry-After"),
                declared);
            await using (var body = await content.ReadAsStreamAsync(stream.Closing).ConfigureAwait(false))
            {
                while (entry.Length != declared)
                {
                    if (entry.Length >= MaxBody)
                    {
                        throw new HttpRequestException($"the holder's answer is larger than {MaxBody} bytes");
                    }

                    var read = await body.ReadAsync(entry.GetMemory(), stream.Closing).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    entry.Advance(read);
                }
            }

            failed = declared is { } length && entry.Length != length;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            if (!stream.IsClosed)
            {
                if (entry.HasHeaders)
                {
                    LogBodyCut(_logger, stream.ChannelArn, stream.StreamId, path, e.Message);
                }
                else
                {
                    LogHolderUnreachable(_logger, stream.ChannelArn, stream.StreamId, stream.Holder, e.Message);
                }
            }
        }

        entry.Finish(failed);

        // Only complete answers the holder will give again are kept; errors, cut bodies and plain playlist reloads are
        // shared by the requests already waiting, then forgotten.
        var keep = entry.Status == StatusCodes.Status200OK && !entry.Failed && entry.Linger > TimeSpan.Zero && !stream.IsClosed;
        if (!keep && stream.Entries.TryRemove(new KeyValuePair<string, RelayEntry>(key, entry)))
        {
            entry.Release();
        }

        // The holder's stream is gone (its source playlist or its multivariant playlist answers 404: a viewer cannot
        // cause that with a made-up rendition name): stop relaying. An unreachable holder: free what was kept at once,
        // keep the sessions in case it was a blip, and let the sweep drop the stream once the locator says it is gone.
        stream.Unreachable = entry.Status == 0;
        if (entry.Status == StatusCodes.Status404NotFound && (entry.Kind == "multivariant" || key.StartsWith("/index.m3u8", StringComparison.Ordinal)))
        {
            Drop(stream);
        }
        else if (stream.Unreachable)
        {
            stream.ReleaseEntries();
        }
    }

    private static string? Header(System.Net.Http.Headers.HttpHeadersNonValidated headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>
    /// Answers a viewer with <paramref name="entry"/>: the holder's status and headers, then the body as it arrives
    /// (what has arrived already at once, the rest as it comes), with the holder's Content-Length when it declared one
    /// or the body has all arrived (else chunked, as the holder sent it). A body the holder cut is cut here too, never
    /// ended short.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, RelayEntry entry, string? allowOrigin, bool isHead)
    {
        if (entry.Status == 0)
        {
            await HlsOrigin.ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        WriteHeaders(context, entry);
        var response = context.Response;
        if ((entry.DeclaredLength ?? entry.CompleteLength) is { } length)
        {
            response.ContentLength = length; // a streamed body that has all arrived is answered like a complete one
        }

        if (allowOrigin is not null)
        {
            response.Headers.AccessControlAllowOrigin = allowOrigin;
        }

        if (isHead)
        {
            return;
        }

        var aborted = context.RequestAborted;
        using var reader = new RelayReader(aborted);
        try
        {
            while (true)
            {
                var bytes = entry.Next(reader, out var ended);
                if (!bytes.IsEmpty)
                {
                    await response.Body.WriteAsync(bytes, aborted).ConfigureAwait(false);
                }
                else if (!ended)
                {
                    await entry.WaitAsync(reader).ConfigureAwait(false);
                }
                else if (!entry.Failed)
                {
                    return;
                }
                else
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return; // the viewer went away
        }

        context.Abort();
    }

    private static void WriteHeaders(HttpContext context, RelayEntry entry)
    {
        var response = context.Response;
        response.StatusCode = entry.Status;
        response.ContentType = entry.ContentType;
        if (entry.CacheControl is not null)
        {
            response.Headers.CacheControl = entry.CacheControl;
        }

        if (entry.RetryAfter is not null)
        {
            response.Headers.RetryAfter = entry.RetryAfter;
        }
    }

    /// <summary>
    /// Records each variant's shorter picture edge from a multivariant playlist the holder wrote (RESOLUTION of each
    /// EXT-X-STREAM-INF, and the rendition named by the URI on the next line).
    /// </summary>
    private static void LearnShortEdges(RelayedStream stream, string playlist)
    {
        int? edge = null;
        foreach (var line in playlist.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
            {
                var at = line.IndexOf("RESOLUTION=", StringComparison.Ordinal);
                var resolution = at < 0 ? string.Empty : line[(at + "RESOLUTION=".Length)..].Split(',')[0];
                var x = resolution.IndexOf('x');
                edge = x > 0 && int.TryParse(resolution[..x], CultureInfo.InvariantCulture, out var w) && int.TryParse(resolution[(x + 1)..], CultureInfo.InvariantCulture, out var h)
                    ? Math.Min(w, h)
                    : 0; // audio only
            }
            else if (!line.StartsWith('#') && edge is { } shortEdge)
            {
                // {name}/{streamId}[.{rendition}]/...
                var segments = line.Split('/');
                if (segments.Length > 1 && segments[1].StartsWith(stream.StreamId, StringComparison.Ordinal))
                {
                    var dot = segments[1].IndexOf('.');
                    stream.ShortEdges[dot < 0 ? string.Empty : segments[1][(dot + 1)..]] = shortEdge;
                }

                edge = null;
            }
        }
    }

    private static bool TryNumber(StringValues text, out long? number)
    {
        number = null;
        if (StringValues.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        number = value;
        return true;
    }

    /// <summary>Stops relaying a stream: its cached resources go back to the pool and its viewers stop counting here.</summary>
    private void Drop(RelayedStream stream)
    {
        if (_streams.TryRemove(new KeyValuePair<string, RelayedStream>(stream.StreamId, stream)) | stream.Close())
        {
            LogDropped(_logger, stream.ChannelArn, stream.StreamId);
        }
    }

    /// <summary>
    /// Every second: drops resources whose time is over and streams no viewer asked for within the session timeout,
    /// counts each channel's relayed viewers, and gives idle buffers back.
    /// </summary>
    internal void Sweep()
    {
        if ((_streams.IsEmpty && _countedChannels.Count == 0 && _pool.IdleBytes == 0) || Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            _authorizer.Sweep(); // the packager's sweep does it too, but runs only while a stream is live here
            var now = _time.GetTimestamp();
            var viewers = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (_, stream) in _streams)
            {
                foreach (var (key, entry) in stream.Entries)
                {
                    if (entry.IsComplete && _time.GetElapsedTime(entry.LastUsed, now) > entry.Linger
                        && stream.Entries.TryRemove(new KeyValuePair<string, RelayEntry>(key, entry)))
                    {
                        entry.Release();
                    }
                }

                var count = ViewerSession.CountViewers(stream.Sessions, _time, now, _options.ViewerSessionTimeout);

                if ((count == 0 && _time.GetElapsedTime(stream.LastUsed, now) > _options.ViewerSessionTimeout)
                    || (stream.Unreachable && _locator.FindRemote(stream.ChannelArn)?.StreamId != stream.StreamId))
                {
                    Drop(stream);
                    continue;
                }

                viewers[stream.ChannelArn] = viewers.GetValueOrDefault(stream.ChannelArn) + count;
            }

            foreach (var channelArn in _countedChannels)
            {
                if (!viewers.ContainsKey(channelArn))
                {
                    _viewerCounts.Set(channelArn, 0);
                }
            }

            _countedChannels.Clear();
            foreach (var (channelArn, count) in viewers)
            {
                _viewerCounts.Set(channelArn, count);
                _countedChannels.Add(channelArn);
            }

            _pool.Trim();
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var stream in _streams.Values)
        {
            Drop(stream);
        }

        _http.Dispose();
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Relaying playback of {ChannelArn} stream {StreamId} from node {NodeId}")]
    private static partial void LogRelaying(ILogger logger, string channelArn, string streamId, string nodeId);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Stopped relaying {ChannelArn} stream {StreamId}")]
    private static partial void LogDropped(ILogger logger, string channelArn, string streamId);

    [LoggerMessage(EventId = 523, Level = LogLevel.Information, Message = "Relayed playback of {ChannelArn} stream {StreamId}: the holder cut {Path} before its end ({Reason})")]
    private static partial void LogBodyCut(ILogger logger, string channelArn, string streamId, string path, string reason);

    [LoggerMessage(EventId = 522, Level = LogLevel.Warning, Message = "Relayed playback of {ChannelArn} stream {StreamId}: holder {Holder} did not answer ({Reason})")]
    private static partial void LogHolderUnreachable(ILogger logger, string channelArn, string streamId, Uri holder, string reason);
}
