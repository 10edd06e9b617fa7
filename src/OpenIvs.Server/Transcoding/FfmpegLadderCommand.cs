using System.Globalization;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Transcoding;

/// <summary>
/// The ffmpeg arguments that transcode one stream into its rungs: FLV (H.264 + AAC) on stdin, decoded once and
/// split, each rung scaled, brought to its frame rate and encoded with libx264 (keyframes exactly where the
/// source has them, so every rung's segments and parts start at the same instants) and AAC or the source's audio,
/// written as FLV to its own output path. Timestamps are kept (<c>-copyts</c>), so every rung shares the
/// source's clock.
/// </summary>
internal static class FfmpegLadderCommand
{
    /// <param name="rungs">The transcoded and audio-only rungs.</param>
    /// <param name="outputs">One output path (a FIFO) per rung.</param>
    /// <param name="inputFrameRate">The source's frames per second.</param>
    /// <param name="hasAudio">Whether the input has an audio track.</param>
    /// <param name="x264Preset">The x264 speed preset.</param>
    public static IReadOnlyList<string> Build(
        IReadOnlyList<LadderRung> rungs, IReadOnlyList<string> outputs, double inputFrameRate, bool hasAudio, string x264Preset)
    {
        if (rungs.Count != outputs.Count || rungs.Any(r => r.Kind == RungKind.Source))
        {
            throw new ArgumentException("One output per transcoded rung.", nameof(outputs));
        }

        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-nostdin", "-nostats", "-y", // -y: the outputs are FIFOs that exist already
            // Start at once: the FLV header says which tracks come, and the sequence headers carry the parameters.
            // No "-fflags +nobuffer": it drops the packets read while probing, so the decoder began at the source's
            // second keyframe and every rung one segment behind the source.
            "-probesize", "32", "-analyzeduration", "0",
            "-f", "flv", "-i", "pipe:0", "-copyts",
        };

        var video = rungs.Select((rung, index) => (rung, index)).Where(r => r.rung.Kind == RungKind.Transcoded).ToArray();
        if (video.Length > 0)
        {
            // One decode, split per rung; a rung at the source's own frame rate keeps every frame as it is.
            var graph = video.Length == 1 ? "[0:v:0]null[s0]" : $"[0:v:0]split={video.Length}" + string.Concat(video.Select((_, i) => $"[s{i}]"));
            for (var i = 0; i < video.Length; i++)
            {
                var rung = video[i].rung;
                // A lower frame rate keeps every n-th frame and every keyframe, with their timestamps: an fps filter
                // would move frames onto its own grid and lose the source's keyframes between its slots.
                var every = (int)Math.Round(inputFrameRate / rung.FrameRate);
                var fps = every > 1 ? Invariant($"select='key+not(mod(n,{every}))',") : string.Empty;
                graph += Invariant($";[s{i}]{fps}scale={rung.Width}:{rung.Height},format=yuv420p[v{video[i].index}]");
            }

            args.AddRange(["-filter_complex", graph]);
        }

        for (var i = 0; i < rungs.Count; i++)
        {
            var rung = rungs[i];
            if (rung.Kind == RungKind.Transcoded)
            {
                var bitrate = Invariant($"{rung.VideoBitrate / 1000}k");
                args.AddRange([
                    "-map", $"[v{i}]",
                    "-c:v", "libx264", "-preset", x264Preset, "-tune", "zerolatency", "-profile:v", "main",
                    "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
                    // Keyframes only where the source has them (x264 would add its own at scene cuts and every -g frames).
                    "-force_key_frames", "source", "-g", "100000", "-sc_threshold", "0",
                    // Frames keep the source's millisecond timestamps (no re-timing to a guessed frame rate).
                    "-fps_mode", "passthrough", "-enc_time_base:v", "1/1000",
                    // The rung's frame rate for x264's rate control (with passthrough it re-times nothing): a 30 fps rung
                    // of a 60 fps source otherwise budgets its bits for 60 frames a second and gets half its bitrate.
                    "-r", Invariant($"{rung.FrameRate}"),
                ]);
            }
            else
            {
                args.Add("-vn");
            }

            if (hasAudio)
            {
                args.AddRange(["-map", "0:a:0"]);
                args.AddRange(rung.AudioBitrate is { } audio
                    ? ["-c:a", "aac", "-b:a", Invariant($"{audio / 1000}k")]
                    : ["-c:a", "copy"]);
            }

            // Every packet reaches the reader at once (no 32 KB output buffering): transcoding adds no waiting.
            args.AddRange(["-flush_packets", "1", "-flvflags", "no_duration_filesize", "-f", "flv", outputs[i]]);
        }

        return args;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
