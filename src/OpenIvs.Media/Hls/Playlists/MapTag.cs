namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-MAP (RFC 8216bis §4.4.4.5): the media initialization section (the fMP4 init segment).</summary>
public sealed record MapTag(string Uri, ByteRange? ByteRange = null);
