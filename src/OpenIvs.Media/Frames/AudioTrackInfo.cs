namespace OpenIvs.Media.Frames;

/// <summary>What a live stream's audio track is, read from its AAC AudioSpecificConfig.</summary>
/// <param name="CodecString">RFC 6381 string, e.g. <c>mp4a.40.2</c>.</param>
/// <param name="ObjectType">AAC audio object type (2 = AAC-LC).</param>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="AudioSpecificConfig">The AudioSpecificConfig bytes as received.</param>
public sealed record AudioTrackInfo(
    string CodecString,
    int ObjectType,
    int SampleRate,
    int Channels,
    byte[] AudioSpecificConfig);
