using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;
using Microsoft.Extensions.Primitives;

namespace OpenIvs.Server.Playback;

/// <summary>
/// The HLS origin under <c>/api/video/v1/</c> (docs/playback.md):
/// <list type="bullet">
/// <item><c>{region}.{account}.channel.{id}.m3u8</c>: the multivariant playlist; starts a viewer session.</item>
/// <item><c>{region}.{account}.channel.{id}/{streamId}/index.m3u8?s={session}</c>: the media playlist, with
/// blocking reload (<c>_HLS_msn</c>, <c>_HLS_part</c>) and delta updates (<c>_HLS_skip</c>).</item>
/// <item><c>.../{streamId}/seg{n}</c>, <c>part{n}</c>, <c>init{n}.mp4</c>: media, from the in-memory window.</item>
/// <item><c>.../{streamId}.{rendition}/...</c>: the same for a transcoded rendition (e.g. <c>st-abc.480p30</c>).</item>
/// </list>
/// Private channels put the session in the path (<c>.../{streamId}/{session}/...</c>) so that every request,
/// media included, is checked against it (revocation, strict origin).
/// A channel live on another node is served by <see cref="HlsRelay"/>; requests that node signs (<see cref="NodeSignature"/>)
/// are answered here without viewer checks (the relaying node checked its viewer), and an unsigned or badly signed
/// one never gets that shortcut.
/// </summary>
internal sealed partial class HlsOrigin
{
    public const string PathPrefix = "/api/video/v1/";
    private const string PlaylistContentType = "application/vnd.apple.mpegurl";
    private readonly PlaybackOptions _options;
    private readonly string _channelNamePrefix;
    private readonly ResourceTables _resources;
    private readonly HlsPackager _packager;
    private readonly PlaybackAuthorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly HlsLimits _limits;
    private readonly string _publicMediaCacheControl;
    private readonly string _privateMediaCacheControl;
    private readonly string _retryAfter;
    private readonly HlsRelay? _relay;
    private readonly ViewerLimit _viewerLimit;
    private readonly NodeSignature? _nodes;
    private int _blocked;

    public HlsOrigin(
        PlaybackOptions options, ServiceAccount account, ResourceTables resources, HlsPackager packager, PlaybackAuthorizer authorizer, ViewerLimit viewerLimit,
        TimeProvider time, HlsLimits? limits = null, HlsRelay? relay = null, NodeSignature? nodes = null)
    {
        _viewerLimit = viewerLimit;
        _relay = options.Enabled ? relay : null;
        _nodes = nodes;
        _limits = limits ?? new HlsLimits();
        _publicMediaCacheControl = _limits.PublicMediaCacheControl;
        _privateMediaCacheControl = _limits.PrivateMediaCacheControl;
        _retryAfter = HlsLimits.Seconds(_limits.RetryAfter);
        _options = options;
        _channelNamePrefix = account.Region + "." + account.AccountId + ".channel.";
        _resources = resources;
        _packager = packager;
        _authorizer = authorizer;
        _time = time;
    }

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var rest = request.Path.Value.AsSpan(PathPrefix.Length);
        var method = request.Method;
        var isHead = HttpMethods.IsHead(method);
        if (HttpMethods.IsOptions(method))
        {
            // CORS preflight: players send simple GETs, but allow it for those that add headers.
            response.StatusCode = StatusCodes.Status204NoContent;
            if (PreflightAllowOrigin(rest, request.Headers.Origin) is { } preflightOrigin)
            {
                response.Headers.AccessControlAllowOrigin = preflightOrigin;
            }

            response.Headers.AccessControlAllowMethods = "GET, HEAD, OPTIONS";
            response.Headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders.Count > 0 ? request.Headers.AccessControlRequestHeaders : "*";
            response.Headers.AccessControlMaxAge = HlsLimits.Seconds(_limits.PreflightMaxAge);
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsGet(method) && !isHead)
        {
            response.Headers.Allow = "GET, HEAD, OPTIONS";
            return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed", "method_not_allowed", "*");
        }

        // A relaying node's request: trusted only with a good signature of this very request, never without one.
        var relayed = false;
        if (request.Headers.TryGetValue(NodeSignature.HeaderName, out var nodeHeader))
        {
            if (_nodes?.Verify(nodeHeader, method, request.Path.Value + request.QueryString.Value) is null)
            {
                return ErrorAsync(context, StatusCodes.Status403Forbidden, "node signature is not valid", "forbidden", null);
            }

            relayed = true;
        }

        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            return rest.EndsWith(".m3u8") ? MultivariantAsync(context, rest[..^5].ToString(), relayed) : NotFoundAsync(context);
        }

        // {name}/{streamId}/[{session}/]{file}
        var name = rest[..slash];
        rest = rest[(slash + 1)..];
        slash = rest.IndexOf('/');
        if (slash < 0 || !TryParseChannelName(name, out var channelId))
        {
            return NotFoundAsync(context);
        }

        var streamPart = rest[..slash];
        var dot = streamPart.IndexOf('.');
        var streamId = (dot < 0 ? streamPart : streamPart[..dot]).ToString();
        var renditionName = dot < 0 ? null : streamPart[(dot + 1)..].ToString();
        rest = rest[(slash + 1)..];
        string? pathSession = null;
        slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            pathSession = rest[..slash].ToString();
            rest = rest[(slash + 1)..];
        }

        if (rest.Contains('/'))
        {
            return NotFoundAsync(context);
        }

        if (!_packager.TryGetStream(streamId, out var rendition))
        {
            // Held by another node? Never relayed again for a relaying node (no loops).
            return _relay is not null && !relayed && _resources.Channels.TryGet(channelId, out var remote)
                ? _relay.MediaAsync(context, name.ToString(), remote.Channel, streamId, renditionName, pathSession, rest.ToString())
                : NotFoundAsync(context);
        }

        if (!rendition.Stream.ChannelArn.EndsWith("/" + channelId, StringComparison.Ordinal))
        {
            return NotFoundAsync(context);
        }

        if (!_resources.Channels.TryGet(channelId, out var channel))
        {
            return NotFoundAsync(context); // deleted while its stream winds down
        }

        // Sessions belong to the stream (its source rendition); a transcoded rung is served from its own window.
        var source = rendition;
        if (renditionName is not null && !source.Variants.TryGetValue(renditionName, out rendition!))
        {
            return NotFoundAsync(context);
        }

        var shortEdge = rendition.Rendition is { } transcoded
            ? transcoded.Rung.ShortEdge
            : rendition.Stream.Video is { } sourceVideo ? Math.Min(sourceVideo.Width, sourceVideo.Height) : 0;
        ViewerSession? session = null;
        var allowOrigin = "*";
        if (!relayed)
        {
            var refusal = CheckViewer(_authorizer, context, channel.Channel, rendition.Stream.ChannelArn, rendition.IsPrivate, source.Sessions, pathSession, shortEdge, out session, out allowOrigin);
            if (refusal is not null)
            {
                return refusal;
            }
        }
        else if (pathSession is not null)
        {
            return NotFoundAsync(context); // relays ask without sessions
        }

        if (rest.SequenceEqual("index.m3u8"))
        {
            session?.Touch(_time.GetTimestamp());
            return MediaPlaylistAsync(context, rendition, allowOrigin, isHead, starting: session?.TakeFirstPlaylist() == true);
        }

        return rendition.UriScheme.TryParse(rest, out var kind, out var number)
            ? MediaAsync(context, rendition, kind, number, allowOrigin, isHead)
            : NotFoundAsync(context);
    }

    /// <summary>
    /// The checks of every playlist, init, segment and part request of a viewer: its session (private channels) and
    /// whether it has been revoked, the origin (strict enforcement), the viewer's country, and the token's maximum
    /// resolution against the rendition's <paramref name="shortEdge"/>. Null when admitted (with the session and the
    /// Access-Control-Allow-Origin value), else the task writing the refusal.
    /// </summary>
    internal static Task? CheckViewer(
        PlaybackAuthorizer authorizer, HttpContext context, Channel channel, string channelArn, bool isPrivate, ConcurrentDictionary<string, ViewerSession> sessions,
        string? pathSession, int shortEdge, out ViewerSession? session, out string? allowOrigin)
    {
        // Which session the request belongs to: in the path for private channels (required), in the query otherwise.
        var sessionId = isPrivate ? pathSession : pathSession is null ? (string?)context.Request.Query["s"] : null;
        session = null;
        allowOrigin = null;
        if (sessionId is not null)
        {
            sessions.TryGetValue(sessionId, out session);
        }

        var origin = (string?)context.Request.Headers.Origin;
        var policy = authorizer.PolicyGrant(channel);
        PlaybackGrant grant;
        if (isPrivate)
        {
            if (session is null)
            {
                return ErrorAsync(context, StatusCodes.Status403Forbidden, "playback session not found or expired", "playback_auth_error", policy.AllowOriginHeader(origin));
            }

            grant = session.Grant;
            if (authorizer.IsRevoked(channelArn, grant))
            {
                return ErrorAsync(context, StatusCodes.Status403Forbidden, "viewer session has been revoked", "playback_auth_error", policy.AllowOriginHeader(origin));
            }
        }
        else if (pathSession is not null)
        {
            return NotFoundAsync(context);
        }
        else
        {
            // A public channel's policy decides every request, whatever session parameter it carries (none, forged,
            // or one that started before the policy changed): the session only counts the viewer.
            grant = policy;
        }

        // Every playlist, init, segment and part request: the origin (strict enforcement) and the viewer's country.
        allowOrigin = grant.AllowOriginHeader(origin);
        var (refusal, refusalCode) = authorizer.Admit(grant, context);
        if (refusal is not null)
        {
            return ErrorAsync(context, StatusCodes.Status403Forbidden, refusal, refusalCode, allowOrigin);
        }

        if (grant.MaximumShortEdge is { } maximum && shortEdge > maximum)
        {
            return ErrorAsync(context, StatusCodes.Status403Forbidden, "rendition above the token's maximum resolution", "playback_auth_error", allowOrigin);
        }

        return null;
    }

    private async Task MultivariantAsync(HttpContext context, string name, bool relayed)
    {
        var request = context.Request;
        var origin = (string?)request.Headers.Origin;
        if (!TryParseChannelName(name, out var channelId) || !_resources.Channels.TryGet(channelId, out var record))
        {
            await NotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        var channel = record.Channel;
        PlaybackGrant? grant;
        if (relayed)
        {
            // The relaying node authorized its viewer; it tells the token's maximum resolution, if any.
            grant = PlaybackGrant.Anyone with
            {
                MaximumShortEdge = int.TryParse(request.Query[HlsRelay.MaximumShortEdgeParameter], NumberStyles.None, CultureInfo.InvariantCulture, out var edge) ? edge : null,
            };
        }
        else
        {
            (grant, var error, var errorCode) = _authorizer.Authorize(channel, request.Query["token"], context);
            if (grant is null)
            {
                await ErrorAsync(context, StatusCodes.Status403Forbidden, error!, errorCode, _authorizer.PolicyGrant(channel).AllowOriginHeader(origin)).ConfigureAwait(false);
                return;
            }
        }

        var allowOrigin = grant.AllowOriginHeader(origin);
        if (!_packager.TryGetLive(channelId, out var rendition))
        {
            if (_relay is not null && !relayed)
            {
                await _relay.MultivariantAsync(context, name, channel, grant, allowOrigin).ConfigureAwait(false);
                return;
            }

            await ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        var entries = await WaitForVariantsAsync(context, rendition, grant.MaximumShortEdge).ConfigureAwait(false);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var stream = rendition.Stream;
        if (entries is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        if (entries.Count == 0)
        {
            await ErrorAsync(context, StatusCodes.Status403Forbidden, "no rendition within the token's maximum resolution", "playback_auth_error", allowOrigin).ConfigureAwait(false);
            return;
        }

        if (!relayed && !_viewerLimit.Admits(stream.ChannelArn, rendition.Sessions.Count))
        {
            await ErrorAsync(context, StatusCodes.Status429TooManyRequests, "too many viewers", "too_many_viewers", allowOrigin).ConfigureAwait(false);
            return;
        }

        string sessionId;
        if (relayed)
        {
            sessionId = HlsRelay.SessionPlaceholder; // the relay starts the session, and writes its id here
        }
        else
        {
            if (await _authorizer.SpendAsync(grant, context.RequestAborted).ConfigureAwait(false) is { } spendRefusal)
            {
                await ErrorAsync(context, StatusCodes.Status403Forbidden, spendRefusal, "playback_auth_error", allowOrigin).ConfigureAwait(false);
                return;
            }

            sessionId = NewSessionId();
            rendition.Sessions[sessionId] = new ViewerSession(_time.GetTimestamp(), grant);
        }

        var isPrivate = rendition.IsPrivate;
        var playlist = HlsVariantList.Build(entries, entry =>
        {
            var path = entry.Rendition.Rendition is { } rung ? $"{name}/{stream.StreamId}.{rung.Name}" : $"{name}/{stream.StreamId}";
            return isPrivate ? $"{path}/{sessionId}/index.m3u8" : $"{path}/index.m3u8?s={sessionId}";
        });

        var body = new ArrayBufferWriter<byte>(1024);
        MultivariantPlaylistWriter.Write(body, playlist);
        var response = context.Response;
        response.Headers.CacheControl = "no-store"; // each response starts a new session
        await WriteAsync(context, PlaylistContentType, body.WrittenMemory, allowOrigin, HttpMethods.IsHead(request.Method)).ConfigureAwait(false);
    }

    /// <summary>
    /// The variants to list. A stream's multivariant playlist is available once the source has a complete segment
    /// (players without LL-HLS need one; before it, 404 as offline: a player answered the instant the first segment
    /// completes starts with too little media ahead and stalls) and, in a transcoded stream's first seconds, once
    /// every rung has one: that request is held meanwhile, at most until the stream is <see cref="HlsVariantList.RenditionWait"/> old, and then
    /// lists the rungs that are ready. Held, not refused: hls.js loads the multivariant playlist once and retries a 404
    /// only once, so a 404 would fail the player and a partial list would pin it to the first rungs for good.
    /// Null (answer 404) when the source has no segment by then.
    /// </summary>
    private async Task<IReadOnlyList<HlsVariantList.Entry>?> WaitForVariantsAsync(HttpContext context, HlsRendition source, int? maximumShortEdge)
    {
        var counted = false;
        try
        {
            while (true)
            {
                var signal = source.NextPart; // taken before the check, so a part published in between still wakes us
                var age = _time.GetUtcNow() - source.Stream.StartTime;
                var entries = source.Snapshot is { } snapshot && snapshot.Segments.Length > 0 && snapshot.Satisfies(snapshot.Segments[0].MediaSequence, null)
                    ? HlsVariantList.Choose(source, maximumShortEdge, age)
                    : null;
                var remaining = HlsVariantList.RenditionWait - age;
                if (entries is not null || remaining <= TimeSpan.Zero || source.EndedAt is not null || source.Stream.Ladder is null)
                {
                    return entries;
                }

                if (!counted)
                {
                    counted = true;
                    if (Interlocked.Increment(ref _blocked) > _options.MaxBlockedRequests)
                    {
                        return null;
                    }
                }

                try
                {
                    // Rungs publish parts at the source's instants, so the source's next part is the moment to look again.
                    await signal.WaitAsync(remaining, _time, context.RequestAborted).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // the wait is over: look once more, then answer with what is ready
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            if (counted)
            {
                Interlocked.Decrement(ref _blocked);
            }
        }
    }

    // starting: the first media playlist request of a viewer session (a player starting).
    private async Task MediaPlaylistAsync(HttpContext context, HlsRendition rendition, string? allowOrigin, bool isHead, bool starting = false)
    {
        var query = context.Request.Query;
        var msnText = query["_HLS_msn"];
        var partText = query["_HLS_part"];
        var skip = query["_HLS_skip"];
        long? msn = null;
        int? part = null;
        if (!StringValues.IsNullOrEmpty(msnText))
        {
            if (!long.TryParse(msnText, NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "_HLS_msn must be a non-negative integer", "bad_request", allowOrigin).ConfigureAwait(false);
                return;
            }

            msn = m;
        }

        if (!StringValues.IsNullOrEmpty(partText))
        {
            if (msn is null || !int.TryParse(partText, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                // RFC 8216bis §6.2.5.2: _HLS_part without _HLS_msn is a bad request.
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "_HLS_part must be a non-negative integer and needs _HLS_msn", "bad_request", allowOrigin).ConfigureAwait(false);
                return;
            }

            part = p;
        }

        var snapshot = rendition.Snapshot;
        if (snapshot is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find stream", "content_not_available", allowOrigin).ConfigureAwait(false);
            return;
        }

        var targetDuration = TimeSpan.FromSeconds(Math.Max(1, snapshot.Playlist.TargetDuration));
        if (msn is { } wanted && !snapshot.Satisfies(wanted, part))
        {
            // §6.2.5.2: a request more than two segments ahead of the playlist is answered at once with 400.
            if (wanted > Math.Max(snapshot.LastPart.MediaSequence, 0) + _limits.MaxSegmentsAhead)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "_HLS_msn is too far ahead of the playlist", "bad_request", allowOrigin).ConfigureAwait(false);
                return;
            }

            snapshot = await WaitAsync(context, rendition, s => s.Satisfies(wanted, part), _limits.BlockingWaitTargetDurations * targetDuration, allowOrigin).ConfigureAwait(false);
            if (snapshot is null)
            {
                return;
            }
        }
        else if (msn is null && PrefetchPlaylist.ReadsPrefetch(context.Request) && !snapshot.IsEnded)
        {
            // The IVS web player starts at the newest complete segment: answer it when one begins.
            snapshot = await AtSegmentStartAsync(context, rendition, snapshot, targetDuration, allowOrigin).ConfigureAwait(false);
            if (snapshot is null)
            {
                return;
            }
        }
        else if (msn is null && starting && _options.StartAtKeyframes)
        {
            snapshot = await KeyframeStartAsync(rendition, snapshot, context.RequestAborted).ConfigureAwait(false);
        }
        else if (msn is null && _options.AlignPlaylistToParts)
        {
            snapshot = await FreshSnapshotAsync(rendition, snapshot, context.RequestAborted).ConfigureAwait(false);
        }

        var delta = skip == "YES" || skip == "v2";
        var body = rendition.GetPlaylist(snapshot, delta);
        var headers = context.Response.Headers;

        // A blocking response answers "the playlist as of that part or later" forever: caches may keep it for a
        // while. Any other playlist response is stale at the next part, so caches must revalidate.
        headers.CacheControl = msn is null
            ? "no-cache"
            : (rendition.IsPrivate ? "private" : "public") + ", max-age=" + (int)(_limits.BlockingPlaylistMaxAgeTargetDurations * targetDuration.TotalSeconds);
        await WriteAsync(context, PlaylistContentType, body, allowOrigin, isHead).ConfigureAwait(false);
    }

    private async Task MediaAsync(HttpContext context, HlsRendition rendition, HlsResourceKind kind, long number, string? allowOrigin, bool isHead)
    {
        var snapshot = rendition.Snapshot;
        if (snapshot is null)
        {
            await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
            return;
        }

        var contentType = kind == HlsResourceKind.Init || rendition.UriScheme.Format == HlsContainerFormat.Fmp4 ? "video/mp4" : "video/mp2t";
        context.Response.Headers.CacheControl = rendition.IsPrivate ? _privateMediaCacheControl : _publicMediaCacheControl;
        if (kind == HlsResourceKind.Init)
        {
            if (number > int.MaxValue || !snapshot.TryGetInitSegment((int)number, out var init))
            {
                await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
                return;
            }

            await WriteAsync(context, contentType, init, allowOrigin, isHead).ConfigureAwait(false);
            return;
        }

        HlsMediaLease lease;
        if (kind == HlsResourceKind.Segment)
        {
            if (!snapshot.TryAcquireSegment(number, out lease))
            {
                if (PrefetchPlaylist.IsPrefetch(snapshot, number))
                {
                    await StreamOpenSegmentAsync(context, rendition, number, contentType, allowOrigin, isHead).ConfigureAwait(false);
                    return;
                }

                await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
                return;
            }
        }
        else if (!snapshot.TryAcquirePart(number, out lease))
        {
            // The part named by EXT-X-PRELOAD-HINT (or the one after): hold the request until it exists.
            if (number < snapshot.NextPartSequence || number > snapshot.NextPartSequence + 1 || snapshot.IsEnded)
            {
                await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
                return;
            }

            var target = TimeSpan.FromSeconds(Math.Max(1, snapshot.Playlist.TargetDuration));
            var ready = await WaitAsync(context, rendition, s => s.NextPartSequence > number || s.IsEnded, _limits.BlockingWaitTargetDurations * target, allowOrigin).ConfigureAwait(false);
            if (ready is null)
            {
                return;
            }

            if (!ready.TryAcquirePart(number, out lease))
            {
                await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            var response = context.Response;
            response.ContentType = contentType;
            response.ContentLength = lease.Data.Length;
            if (allowOrigin is not null)
            {
                response.Headers.AccessControlAllowOrigin = allowOrigin;
            }

            if (isHead)
            {
                return;
            }

            foreach (var memory in lease.Data)
            {
                await response.Body.WriteAsync(memory, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The viewer went away.
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>
    /// Holds a request until <paramref name="ready"/> holds for a new snapshot, at most <paramref name="limit"/>.
    /// Answers the request itself (503) and returns null when it cannot wait: too many waiting, timed out, or gone.
    /// </summary>
    private async Task<HlsStreamSnapshot?> WaitAsync(HttpContext context, HlsRendition rendition, Func<HlsStreamSnapshot, bool> ready, TimeSpan limit, string? allowOrigin)
    {
        if (Interlocked.Increment(ref _blocked) > _options.MaxBlockedRequests)
        {
            Interlocked.Decrement(ref _blocked);
            context.Response.Headers.RetryAfter = _retryAfter;
            await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "too many waiting requests", "server_busy", allowOrigin).ConfigureAwait(false);
            return null;
        }

        try
        {
            var deadline = _time.GetTimestamp() + (long)(limit.TotalSeconds * _time.TimestampFrequency);
            while (true)
            {
                var signal = rendition.NextPart; // taken before the check, so a part published in between still wakes us
                var snapshot = rendition.Snapshot;
                if (snapshot is not null && ready(snapshot))
                {
                    return snapshot;
                }

                var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero || rendition.EndedAt is not null && snapshot is null)
                {
                    throw new TimeoutException();
                }

                await signal.WaitAsync(remaining, _time, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // RFC 8216bis 6.2.5.2: not available within the blocking wait (HlsLimits.BlockingWaitTargetDurations).
            context.Response.Headers.RetryAfter = _retryAfter;
            await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the requested part is not available yet", "not_available_yet", allowOrigin).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return null; // the client went away: its wait ends at once
        }
        finally
        {
            Interlocked.Decrement(ref _blocked);
        }
    }

    /// <summary>
    /// A LOW latency playlist whose newest part is not fresh waits for the next part (at most a part and a half):
    /// players take the end of the playlist they receive as the live edge at that instant (hls.js computes its start
    /// position from it), so a playlist answered a third of a part after its newest part starts them that much further
    /// behind, for good unless they catch up. A stream that has not published a part for longer (stalled) is answered
    /// at once; so is a request over <see cref="PlaybackOptions.MaxBlockedRequests"/>.
    /// </summary>
    private async Task<HlsStreamSnapshot> FreshSnapshotAsync(HlsRendition rendition, HlsStreamSnapshot snapshot, CancellationToken aborted)
    {
        if (snapshot.IsEnded || snapshot.Playlist.PartTarget is not { } partTarget || rendition.NewestPartAge is not { } age)
        {
            return snapshot;
        }

        var part = TimeSpan.FromSeconds(partTarget);
        var limit = part * 1.5 - age;
        if (age <= part / 8 || limit <= TimeSpan.Zero)
        {
            return snapshot;
        }

        if (Interlocked.Increment(ref _blocked) <= _options.MaxBlockedRequests)
        {
            try
            {
                var signal = rendition.NextPart;
                var newest = rendition.Snapshot ?? snapshot;
                if (newest.NextPartSequence != snapshot.NextPartSequence)
                {
                    return newest; // published meanwhile
                }

                await signal.WaitAsync(limit, _time, aborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // no part within the limit: the current playlist it is
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // the client went away; its answer is written to nobody
            }
            finally
            {
                Interlocked.Decrement(ref _blocked);
            }
        }
        else
        {
            Interlocked.Decrement(ref _blocked);
        }

        return rendition.Snapshot ?? snapshot;
    }

    /// <summary>
    /// A player's first playlist is answered the moment a part is published that puts the player's start position
    /// (PART-HOLD-BACK before the newest part's end) in an independent part (<see cref="LiveStart"/>): the player then
    /// loads and decodes one part before its first frame instead of every part back to the keyframe before its start
    /// position (up to a GOP's: 0.2-0.5 s more behind live, for good, in a stock hls.js). Such a moment comes once per
    /// keyframe interval; the wait lasts at most a target duration and a half part, then the next part it is
    /// (<see cref="FreshSnapshotAsync"/>). The time to the first frame grows by half a keyframe interval on average.
    /// </summary>
    private async Task<HlsStreamSnapshot> KeyframeStartAsync(HlsRendition rendition, HlsStreamSnapshot snapshot, CancellationToken aborted)
    {
        if (snapshot.IsEnded || snapshot.Playlist.PartTarget is not { } partTarget)
        {
            return snapshot;
        }

        if (Interlocked.Increment(ref _blocked) > _options.MaxBlockedRequests)
        {
            Interlocked.Decrement(ref _blocked);
            return await FreshSnapshotAsync(rendition, snapshot, aborted).ConfigureAwait(false);
        }

        var part = TimeSpan.FromSeconds(partTarget);
        var arrived = _time.GetTimestamp();
        var deadline = arrived + (long)((Math.Max(1, snapshot.Playlist.TargetDuration) + partTarget * 1.5) * _time.TimestampFrequency);
        try
        {
            while (true)
            {
                var signal = rendition.NextPart; // taken before the check, so a part published in between still wakes us
                var current = rendition.Snapshot ?? snapshot;
                if (current.IsEnded || IsFresh(rendition.NewestPartAge) && LiveStart.PartsBeforeStart(current.Playlist) == 0)
                {
                    return current;
                }

                var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                await signal.WaitAsync(remaining, _time, aborted).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // no such moment within the wait (a long keyframe interval, a stalled stream): the next part, as for any player
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return rendition.Snapshot ?? snapshot; // the client went away; its answer is written to nobody
        }
        finally
        {
            Interlocked.Decrement(ref _blocked);
        }

        return await FreshSnapshotAsync(rendition, rendition.Snapshot ?? snapshot, aborted).ConfigureAwait(false);

        // Fresh: published within an eighth of a part, or while this request waited (a wake-up that comes late on a
        // busy machine still answers the part it waited for; the delay is the server's, as for any answer).
        bool IsFresh(TimeSpan? age) => age <= part / 8 || age < _time.GetElapsedTime(arrived);
    }

    /// <summary>Number of requests waiting for a part right now.</summary>
    public int BlockedRequests => Volatile.Read(ref _blocked);

    private bool TryParseChannelName(ReadOnlySpan<char> name, out string channelId)
    {
        // {region}.{account}.channel.{id}
        channelId = string.Empty;
        var prefix = _channelNamePrefix;
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var id = name[prefix.Length..];
        if (id.Length is 0 or > 64 || id.ContainsAnyExceptInRange('0', 'z'))
        {
            return false;
        }

        channelId = id.ToString();
        return true;
    }

    private static Task WriteAsync(HttpContext context, string contentType, ReadOnlyMemory<byte> body, string? allowOrigin, bool isHead)
    {
        context.Response.ContentType = contentType;
        return WriteBodyAsync(context, body, allowOrigin, isHead);
    }

    /// <summary>Writes <paramref name="body"/> (the status, type and cache headers are set) with its length and CORS header.</summary>
    internal static async Task WriteBodyAsync(HttpContext context, ReadOnlyMemory<byte> body, string? allowOrigin, bool isHead)
    {
        var response = context.Response;
        response.ContentLength = body.Length;
        if (allowOrigin is not null)
        {
            response.Headers.AccessControlAllowOrigin = allowOrigin;
        }

        if (!isHead)
        {
            try
            {
                await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
        }
    }

    internal static Task NotFoundAsync(HttpContext context, string? allowOrigin = "*") =>
        ErrorAsync(context, StatusCodes.Status404NotFound, "Can not find channel", "content_not_available", allowOrigin);

    /// <summary>A preflight for a channel's URL follows the channel's policy; any other is answered for any origin.</summary>
    private string? PreflightAllowOrigin(ReadOnlySpan<char> rest, string? origin)
    {
        var end = rest.IndexOfAny('/', '?');
        var name = end < 0 ? rest : rest[..end];
        if (name.EndsWith(".m3u8"))
        {
            name = name[..^5];
        }

        return TryParseChannelName(name, out var channelId) && _resources.Channels.TryGet(channelId, out var record)
            ? _authorizer.PolicyGrant(record.Channel).AllowOriginHeader(origin)
            : "*";
    }

    /// <summary>A short JSON error in the form IVS's playback service uses (ivs-behavior.md section 6.2).</summary>
    internal static Task ErrorAsync(HttpContext context, int status, string error, string code, string? allowOrigin)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        if (allowOrigin is not null)
        {
            response.Headers.AccessControlAllowOrigin = allowOrigin;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("url", context.Request.Path.Value);
            json.WriteString("error", error);
            json.WriteString("error_code", code);
            json.WriteString("type", "error");
            json.WriteEndObject();
            json.WriteEndArray();
        }

        response.ContentLength = buffer.WrittenCount;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }

    /// <summary>A new viewer session id (22 characters of base64url).</summary>
    internal static string NewSessionId()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return System.Buffers.Text.Base64Url.EncodeToString(random);
    }
}
