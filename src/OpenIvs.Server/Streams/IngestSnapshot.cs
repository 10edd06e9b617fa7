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
                .. Tracks(stream),
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

    /// <summary>Multitrack input's other video tracks (Track1, Track2, ... in track order); their bitrates are not measured.</summary>
    private static IEnumerable<VideoConfiguration> Tracks(LiveStream stream) =>
        stream.Renditions.Where(r => r.Rung.Kind == RungKind.Track && r.Video is not null).Select((r, i) => new VideoConfiguration
        {
            Codec = r.Video!.CodecString,
            Encoder = stream.Encoder ?? string.Empty,
            TargetBitrate = 0,
            TargetFramerate = (long)Math.Round(r.Video.FrameRate ?? r.Rung.FrameRate),
            VideoWidth = r.Video.Width,
            VideoHeight = r.Video.Height,
            Profile = r.Video.Profile,
            Level = r.Video.Level,
            Track = $"Track{i + 1}",
            AvcProfile = string.Empty,
            AvcLevel = string.Empty,
        });
}
