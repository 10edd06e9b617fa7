using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Segments named by <c>#EXT-X-PREFETCH</c> (<see cref="PrefetchPlaylist"/>): a request for the segment being written,
/// or the next one, is answered with a chunked response that sends the segment's parts as the packager completes them
/// and ends when the segment does; the bytes are exactly the complete segment's. The parts are the packager's pooled
/// buffers, leased one at a time while they are written: nothing is copied or allocated per part.
/// </summary>
internal sealed partial class HlsOrigin
{
    private async Task StreamOpenSegmentAsync(HttpContext context, HlsRendition rendition, long mediaSequence, string contentType, string? allowOrigin, bool isHead)
    {
        var snapshot = rendition.Snapshot!;
        var target = TimeSpan.FromSeconds(Math.Max(1, snapshot.Playlist.TargetDuration));
        var limit = _limits.BlockingWaitTargetDurations * target;

        // The next segment begins when the current one ends: wait for its first part, as for a preload hint.
        var ready = await WaitAsync(context, rendition, s => s.IsEnded || FindSegment(s, mediaSequence) is { PartCount: > 0 }, limit, allowOrigin).ConfigureAwait(false);
        if (ready is null)
        {
            return;
        }

        if (FindSegment(ready, mediaSequence) is not { PartCount: > 0 } segment)
        {
            await NotFoundAsync(context, allowOrigin).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.ContentType = contentType; // no Content-Length: chunked transfer while the segment grows
        if (allowOrigin is not null)
        {
            response.Headers.AccessControlAllowOrigin = allowOrigin;
        }

        if (isHead)
        {
            return;
        }

        var firstPart = segment.GetPart(0).Sequence;
        var sent = 0;
        var aborted = context.RequestAborted;
        try
        {
            while (true)
            {
                var signal = rendition.NextPart; // taken before the check, so a part published in between still wakes us
                var current = rendition.Snapshot!;
                var complete = segment.IsComplete; // read before the count: once complete, the count is final
                var count = segment.PartCount;
                while (sent < count && current.TryAcquirePart(firstPart + sent, out var lease))
                {
                    await SendAsync(response, lease, aborted).ConfigureAwait(false);
                    sent++;
                }

                if (complete && sent == count)
                {
                    // The segment closed: the chunked response ends with it, and with the bytes after its last part.
                    if (segment.TryLeaseTail(out var tail))
                    {
                        await SendAsync(response, tail, aborted).ConfigureAwait(false);
                    }

                    return;
                }

                if (FindSegment(current, mediaSequence) is null)
                {
                    break; // left the window before this viewer got it all: cut, never a short segment
                }

                await signal.WaitAsync(limit, _time, aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return; // the viewer went away
        }
        catch (TimeoutException)
        {
            // no part for three target durations: the publisher stalled; cut the response (the player retries)
        }

        context.Abort();
    }

    private static async Task SendAsync(HttpResponse response, HlsMediaLease lease, CancellationToken aborted)
    {
        try
        {
            foreach (var memory in lease.Data)
            {
                await response.Body.WriteAsync(memory, aborted).ConfigureAwait(false);
            }
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <summary>
    /// A plain playlist request of a player that reads prefetch lines is answered when a segment begins, unless the open
    /// segment began less than a part ago: the IVS web player starts playing at the last complete segment (never at a
    /// prefetch segment, whatever EXT-X-START says; measured), so a playlist answered mid-segment starts it up to a
    /// segment further behind live, for good (it does not catch up on OpenIVS). Waits at most one segment; its reloads
    /// are not blocking requests and it streams the prefetch segments meanwhile, so later waits cost it nothing.
    /// </summary>
    private async Task<HlsStreamSnapshot?> AtSegmentStartAsync(HttpContext context, HlsRendition rendition, HlsStreamSnapshot snapshot, TimeSpan targetDuration, string? allowOrigin)
    {
        var open = PrefetchPlaylist.OpenSegment(snapshot);
        if (snapshot.Playlist.PartTarget is null || FindSegment(snapshot, open) is not { PartCount: > 1 })
        {
            return snapshot;
        }

        return await WaitAsync(context, rendition, s => s.IsEnded || PrefetchPlaylist.OpenSegment(s) > open, _limits.BlockingWaitTargetDurations * targetDuration, allowOrigin).ConfigureAwait(false);
    }

    private static HlsSegment? FindSegment(HlsStreamSnapshot snapshot, long mediaSequence)
    {
        var segments = snapshot.Segments;
        var index = segments.Length == 0 ? -1 : mediaSequence - segments[0].MediaSequence;
        return index >= 0 && index < segments.Length ? segments[(int)index] : null;
    }
}
