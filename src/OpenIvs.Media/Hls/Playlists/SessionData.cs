namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-SESSION-DATA (RFC 8216bis §4.4.6.4): DATA-ID with either a VALUE or a URI.</summary>
public sealed record SessionData(string DataId, string? Value = null, string? Uri = null, string? Language = null);
