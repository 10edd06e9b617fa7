namespace OpenIvs.Media.Hls.Playlists;

/// <summary>The TYPE of an EXT-X-PRELOAD-HINT.</summary>
public enum PreloadHintType
{
    Part,
    Map,
}
