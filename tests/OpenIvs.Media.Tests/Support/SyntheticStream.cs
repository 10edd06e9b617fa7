using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Tests.Support;

/// <summary>Builds frame sequences with chosen timing: frame interval, GOP, B-frames, audio interleave, gaps.</summary>
public sealed record SyntheticStream(
    bool Video,
    bool Audio,
    int FrameCount,
    int FrameIntervalMs,
    int GopFrames,
    bool BFrames,
    IReadOnlyDictionary<int, int> GapsAfterFrame)
{
    public List<MediaFrameData> Build()
    {
        var frames = new List<MediaFrameData>();
        long time = 0;
        var endTime = 0L;
        for (var i = 0; i < FrameCount; i++)
        {
            if (Video)
            {
                var key = i % GopFrames == 0;
                var cto = BFrames ? (key ? 2 : (i % 3 == 1 ? 3 : 0)) * FrameIntervalMs : 0;
                byte[] payload = key ? [0, 0, 0, 3, 0x65, 0x88, (byte)i] : [0, 0, 0, 3, 0x41, 0x9A, (byte)i];
                frames.Add(new MediaFrameData(MediaKind.Video, payload, time, cto, key));
            }

            time += FrameIntervalMs;
            if (GapsAfterFrame.TryGetValue(i, out var gap))
            {
                time += gap;
            }

            endTime = time;
        }

        if (Audio)
        {
            // 1024-sample AAC frames at 48 kHz stamped in whole milliseconds, as RTMP does. Without video the
            // gaps apply to the audio frame indices instead.
            var audio = new List<MediaFrameData>();
            long gapTotal = 0;
            for (var n = 0; ; n++)
            {
                var t = (long)Math.Round(n * 1024 * 1000.0 / 48000) + gapTotal;
                if (Video ? t >= endTime : n >= FrameCount)
                {
                    break;
                }

                audio.Add(new MediaFrameData(MediaKind.Audio, [0x21, 0x10, (byte)n], t, 0, true));
                if (!Video && GapsAfterFrame.TryGetValue(n, out var audioGap))
                {
                    gapTotal += audioGap;
                }
            }

            frames = [.. frames.Concat(audio).OrderBy(f => f.Timestamp).ThenBy(f => f.Kind)];
        }

        return frames;
    }

    public static VideoTrackInfo VideoInfo => Fmp4.Fmp4InitSegmentWriterTests.Video;

    public static AudioTrackInfo AudioInfo => Fmp4.Fmp4InitSegmentWriterTests.Audio;
}
