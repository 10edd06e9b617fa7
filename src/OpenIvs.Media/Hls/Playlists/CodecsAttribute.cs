using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Hls.Playlists;

/// <summary>Builds the CODECS attribute value (RFC 8216bis §4.4.6.2: RFC 6381 strings, comma separated).</summary>
public static class CodecsAttribute
{
    public static string Format(VideoTrackInfo? video, AudioTrackInfo? audio) =>
        (video, audio) switch
        {
            (not null, not null) => video.CodecString + "," + audio.CodecString,
            (not null, null) => video.CodecString,
            (null, not null) => audio.CodecString,
            _ => throw new ArgumentException("At least one track is required."),
        };
}
