using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams;

/// <summary>What a live stream is ingesting, as the API reports it (GetStreamSession's ingestConfigurations).</summary>
internal static class IngestSnapshot
{
    public static IngestConfigurations Of(LiveStream stream)
    {
        var video = stream.Video;
        var audio = stream.Audio;
        return new IngestConfigurations
        {
            VideoConfigurations = video is null ? [] :
            [
                new VideoConfiguration
                {
                    Codec = video.CodecString,
                    Encoder = stream.Encoder ?? string.Empty,
                    TargetBitrate = stream.Metrics.VideoBitrate,
                    TargetFramerate = (long)Math.Round(video.FrameRate ?? stream.Metrics.FrameRate),
                    VideoWidth = video.Width,
                    VideoHeight = video.Height,
                    Profile = video.Profile,
                    Level = video.Level,
                    Track = "Track0",
                    AvcProfile = string.Empty,
                    AvcLevel = string.Empty,
                },
            ],
            AudioConfigurations = audio is null ? [] :
            [
                new AudioConfiguration
                {
                    Codec = audio.CodecString,
                    TargetBitrate = stream.Metrics.AudioBitrate,
                    SampleRate = audio.SampleRate,
                    Channels = audio.Channels,
                    Track = "Track0",
                },
            ],
        };
    }
}
