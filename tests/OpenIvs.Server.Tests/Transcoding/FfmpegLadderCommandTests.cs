using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Transcoding;

namespace OpenIvs.Server.Tests.Transcoding;

/// <summary>The ffmpeg command line of a ladder, run for real on a short clip: every output has its rung's picture and keyframes.</summary>
public class FfmpegLadderCommandTests
{
    [Fact]
    public async Task TheCommandEncodesEveryRungWithTheSourcesKeyframes()
    {
        var directory = Infrastructure.TestServer.TempDirectory();
        var clip = Path.Combine(directory, "in.flv");
        var (code, error) = await Infrastructure.Ffmpeg.RunAsync(
            $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=60 -f lavfi -i sine=sample_rate=48000 -t 3.5 " +
            // Starting 1 s in, as StreamTranscoder feeds ffmpeg: from 0, the AAC encoder's priming would make negative
            // timestamps and ffmpeg would shift every output by 21 ms (no longer the source's clock).
            $"-c:v libx264 -preset ultrafast -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -output_ts_offset 1 -f flv {clip}");
        Assert.True(code == 0, error);
        var rungs = TranscodeLadder.For(ChannelType.AdvancedSd, null, 640, 360, 60).ToArray(); // 360p30, 160p30, audio_only
        var outputs = rungs.Select((_, i) => Path.Combine(directory, $"out{i}.flv")).ToArray();
        var arguments = FfmpegLadderCommand.Build(rungs, outputs, 60, hasAudio: true, "ultrafast")
            .Select(a => a.Replace("pipe:0", clip, StringComparison.Ordinal));
        (code, error) = await Infrastructure.Ffmpeg.RunAsync(string.Join(' ', arguments.Select(a => a.Contains(' ') || a.Contains(';') || a.Contains('[') ? $"\"{a}\"" : a)));
        Assert.True(code == 0, error + "\n" + string.Join(' ', arguments));

        var sourceKeyframes = await KeyframesAsync(clip);
        Assert.Equal(4, sourceKeyframes.Length);
        foreach (var (rung, output) in rungs.Zip(outputs))
        {
            var probe = await ProbeAsync($"-show_entries stream=codec_type,width,height -of compact {output}");
            if (rung.Kind == RungKind.AudioOnly)
            {
                Assert.Equal("stream|codec_type=audio", probe.Trim());
                continue;
            }

            Assert.Contains($"stream|codec_type=video|width={rung.Width}|height={rung.Height}", probe);
            // Keyframes where the source has them: every 60 frames at 60 fps (1 s), also on the 30 fps rungs.
            Assert.Equal(sourceKeyframes, await KeyframesAsync(output));
        }
    }

    private static async Task<string[]> KeyframesAsync(string file) =>
        (await ProbeAsync($"-select_streams v -show_entries packet=pts_time,flags -of csv {file}"))
            .Split('\n').Where(l => l.Contains(",K", StringComparison.Ordinal)).Select(l => l.Split(',')[1]).ToArray();

    private static async Task<string> ProbeAsync(string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffprobe", "-v error " + arguments) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
