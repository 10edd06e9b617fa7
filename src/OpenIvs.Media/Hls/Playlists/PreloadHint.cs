namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-PRELOAD-HINT (RFC 8216bis §4.4.5.3): a resource the client may request before it exists.</summary>
public sealed record PreloadHint(PreloadHintType Type, string Uri, long? ByteRangeStart = null, long? ByteRangeLength = null);
