using System.Diagnostics;
using OpenIvs.Media.Frames;
using OpenIvs.Media.MpegTs;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Decodes one keyframe into a JPEG with ffmpeg (a short-lived child process per thumbnail: the keyframe with
/// its parameter sets in on stdin, the JPEG out on stdout). A few run at a time; each is given 10 s.
/// </summary>
internal sealed class Thumbnailer(RecordingOptions options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount));

    /// <summary>The thumbnail size for a source picture: the configured resolution's height (never upscaled), even width.</summary>
    public static (int Width, int Height) SizeFor(int sourceWidth, int sourceHeight, ThumbnailConfigurationResolution? resolution)
    {
        int? height = resolution?.Value switch
        {
            "LOWEST_RESOLUTION" => 160,
            "SD" => 480,
            "HD" => 720,
            "FULL_HD" => 1080,
            _ => null,
        };
        if (height is not { } h || h >= sourceHeight || sourceHeight == 0)
        {
            return (sourceWidth, sourceHeight);
        }

        var width = (int)Math.Round(sourceWidth * (double)h / sourceHeight / 2) * 2;
        return (Math.Max(2, width), h);
    }

    /// <summary>The keyframe as an H.264 Annex B access unit with SPS/PPS; null for codecs thumbnails are not made for.</summary>
    public static byte[]? KeyframeInput(VideoTrackInfo video, MediaFrame keyframe)
    {
        if (video.Codec != VideoCodec.Avc)
        {
            return null;
        }

        var writer = new AvcAnnexBWriter(video.DecoderConfiguration);
        var payload = keyframe.Payload.Span;
        var buffer = new byte[writer.GetSize(payload, isKeyframe: true)];
        var written = writer.Write(payload, isKeyframe: true, buffer);
        return buffer.AsSpan(0, written).ToArray();
    }

    public async Task<byte[]> RenderAsync(byte[] annexB, int width, int height, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = new ProcessStartInfo(options.Ffmpeg)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "-hide_banner", "-loglevel", "error", "-f", "h264", "-i", "pipe:0", "-frames:v", "1",
                "-vf", $"scale={width}:{height}", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", "pipe:1",
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
            try
            {
                process.PriorityClass = ProcessPriorityClass.BelowNormal; // thumbnails yield to ingest and packaging
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Exited already, or not permitted: it runs at normal priority.
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                var output = new MemoryStream();
                var copy = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
                var errors = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.StandardInput.BaseStream.WriteAsync(annexB, timeout.Token).ConfigureAwait(false);
                process.StandardInput.Close();
                await copy.ConfigureAwait(false);
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                if (process.ExitCode != 0 || output.Length == 0)
                {
                    throw new InvalidOperationException($"ffmpeg could not decode the keyframe: {(await errors.ConfigureAwait(false)).Trim()}");
                }

                return output.ToArray();
            }
            catch
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                throw;
            }
        }
        finally
        {
            _slots.Release();
        }
    }
}
