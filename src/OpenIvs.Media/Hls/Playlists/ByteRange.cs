namespace OpenIvs.Media.Hls.Playlists;

/// <summary>A sub-range <c>n[@o]</c> of a resource (RFC 8216bis §4.4.4.2, EXT-X-BYTERANGE).</summary>
/// <param name="Length">Length in bytes.</param>
/// <param name="Offset">Start offset; when absent the range starts right after the previous one of the same resource.</param>
public readonly record struct ByteRange(long Length, long? Offset = null);
