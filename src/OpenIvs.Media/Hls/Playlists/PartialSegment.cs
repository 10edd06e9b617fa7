namespace OpenIvs.Media.Hls.Playlists;

/// <summary>One EXT-X-PART (RFC 8216bis §4.4.4.9): a partial segment of its parent media segment.</summary>
/// <param name="Uri">The part's URI (relative to the playlist).</param>
/// <param name="Duration">Duration in seconds.</param>
/// <param name="Independent">INDEPENDENT=YES: the part starts with an independent frame (an IDR).</param>
/// <param name="ByteRange">Optional BYTERANGE when the part is a range of a larger resource.</param>
/// <param name="Gap">GAP=YES: the part is not available.</param>
public sealed record PartialSegment(string Uri, double Duration, bool Independent = false, ByteRange? ByteRange = null, bool Gap = false);
