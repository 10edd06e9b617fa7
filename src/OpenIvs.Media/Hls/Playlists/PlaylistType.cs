namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-PLAYLIST-TYPE (RFC 8216bis §4.4.3.5).</summary>
public enum PlaylistType
{
    Event,
    Vod,
}
