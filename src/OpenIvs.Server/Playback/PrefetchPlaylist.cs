using System.Buffers;
using System.Text;
using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Playback;

/// <summary>
/// The community-LHLS dialect that IVS's own web player reads (docs/playback.md, "The IVS web player"): after a
/// low-latency media playlist, <c>#EXT-X-PREFETCH:</c> lines name the segment being written and the one after it.
/// The player loads each when it has the one before, and the origin streams it while it is produced
/// (<see cref="HlsOrigin"/>, <c>StreamOpenSegmentAsync</c>). LL-HLS players ignore the unknown tag (RFC 8216bis §4.1),
/// so every low-latency playlist carries both dialects.
/// </summary>
internal static class PrefetchPlaylist
{
    /// <summary>Segments named by prefetch lines: the one being written and the next.</summary>
    public const int Segments = 2;

    /// <summary>The IVS web player's Accept header for playlists (measured, 1.56.1); a relay passes it on for its viewers.</summary>
    public const string PlayerAccept = "application/x-mpegURL, application/vnd.apple.mpegurl, application/json, text/plain";

    private static ReadOnlySpan<byte> Tag => "#EXT-X-PREFETCH:"u8;

    /// <summary>The media sequence of the first segment not yet complete in <paramref name="snapshot"/>.</summary>
    public static long OpenSegment(HlsStreamSnapshot snapshot)
    {
        // From the playlist, not the segment array: the array may already hold the next segment before its first part.
        var playlist = snapshot.Playlist;
        var listed = playlist.Segments;
        return playlist.MediaSequence + listed.Count - (listed.Count > 0 && listed[^1].Uri is null ? 1 : 0);
    }

    /// <summary>Whether a request for segment <paramref name="mediaSequence"/> is one to stream as it is written.</summary>
    public static bool IsPrefetch(HlsStreamSnapshot snapshot, long mediaSequence)
    {
        if (snapshot.IsEnded || snapshot.Playlist.PartTarget is null)
        {
            return false;
        }

        var open = OpenSegment(snapshot);
        return mediaSequence >= open && mediaSequence < open + Segments;
    }

    /// <summary>
    /// Whether the request comes from a player that reads prefetch lines: the IVS web player asks for playlists with
    /// <see cref="PlayerAccept"/>; hls.js, Safari, ffmpeg and VLC send <c>*/*</c> or no JSON.
    /// </summary>
    public static bool ReadsPrefetch(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
            && accept.Contains("mpegurl", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Appends the prefetch lines to a live low-latency playlist (nothing for NORMAL or ended streams).</summary>
    public static void Write(IBufferWriter<byte> output, HlsStreamSnapshot snapshot, HlsUriScheme scheme)
    {
        if (snapshot.IsEnded || snapshot.Playlist.PartTarget is null || snapshot.Playlist.Segments.Count == 0)
        {
            return;
        }

        var open = OpenSegment(snapshot);
        for (var msn = open; msn < open + Segments; msn++)
        {
            var uri = scheme.SegmentUri(msn);
            var span = output.GetSpan(Tag.Length + Encoding.UTF8.GetMaxByteCount(uri.Length) + 1);
            Tag.CopyTo(span);
            var length = Tag.Length + Encoding.UTF8.GetBytes(uri, span[Tag.Length..]);
            span[length++] = (byte)'\n';
            output.Advance(length);
        }
    }
}
