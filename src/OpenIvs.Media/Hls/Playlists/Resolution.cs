namespace OpenIvs.Media.Hls.Playlists;

/// <summary>A RESOLUTION attribute value, <c>WIDTHxHEIGHT</c> (RFC 8216bis §4.2).</summary>
public readonly record struct Resolution(int Width, int Height);
