namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-RENDITION-REPORT (RFC 8216bis §4.4.5.4): where another rendition's playlist currently ends.</summary>
/// <param name="Uri">The other media playlist's URI, relative to this playlist.</param>
/// <param name="LastMediaSequence">LAST-MSN: its last media sequence number.</param>
/// <param name="LastPart">LAST-PART: its last part index within that segment.</param>
public sealed record RenditionReport(string Uri, long? LastMediaSequence = null, int? LastPart = null);
