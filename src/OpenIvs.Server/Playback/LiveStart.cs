using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Where an LL-HLS player starts in a playlist it has just received. hls.js (and Safari) start PART-HOLD-BACK before the
/// end of the newest part, and load from the independent part (a keyframe) at or before that position in the same
/// segment: every part between the keyframe and the start position is loaded, appended and decoded before the first
/// frame shows, while the live edge moves on. So a player whose start position falls in an independent part starts
/// soonest, and closest to its target (docs/playback.md, Blocking requests).
/// </summary>
internal static class LiveStart
{
    /// <summary>
    /// How many parts lie between the independent part a player must load from and the part its start position (PART-HOLD-BACK
    /// before the end of <paramref name="playlist"/>) falls in: 0 when it starts in an independent part. Null when the
    /// playlist has no PART-HOLD-BACK or does not list parts back that far.
    /// </summary>
    public static int? PartsBeforeStart(MediaPlaylist playlist)
    {
        if (playlist.ServerControl?.PartHoldBack is not { } holdBack)
        {
            return null;
        }

        var behind = 0.0;
        var segments = playlist.Segments;
        for (var s = segments.Count - 1; s >= 0; s--)
        {
            var parts = segments[s].Parts;
            if (parts.Count == 0)
            {
                return null;
            }

            for (var p = parts.Count - 1; p >= 0; p--)
            {
                behind += parts[p].Duration;
                if (behind < holdBack)
                {
                    continue;
                }

                // The start position is in part p; players load from the last independent part at or before it.
                for (var k = p; k >= 0; k--)
                {
                    if (parts[k].Independent)
                    {
                        return p - k;
                    }
                }

                return p + 1; // no keyframe in the segment before it (not produced by this packager: segments start with one)
            }
        }

        return null;
    }
}
