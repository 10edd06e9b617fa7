using System.Diagnostics;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>The real ffmpeg: test clips and publishers. Tests fail (not skip) when it is missing.</summary>
public static class Ffmpeg
{
    private static readonly SemaphoreSlim ClipLock = new(1, 1);
    private static readonly Dictionary<string, string> Clips = [];

    /// <summary>
    /// A pre-encoded FLV clip (H.264 High + AAC-LC stereo 48 kHz, 2 s GOP, CBR), made once per test run and
    /// replayed with <c>-c copy</c>, so publishers cost almost no CPU.
    /// </summary>
    public static async Task<string> ClipAsync(int width = 1280, int height = 720, int fps = 30, int videoKbps = 2500, int seconds = 20)
    {
        var name = $"clip-{width}x{height}-{fps}-{videoKbps}-{seconds}.flv";
        await ClipLock.WaitAsync();
        try
        {
            if (Clips.TryGetValue(name, out var existing))
            {
                return existing;
            }

            var path = Path.Combine(Path.GetTempPath(), "openivs-tests", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path))
            {
                var temp = path + ".tmp.flv";
                var (code, error) = await RunAsync(
                    $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size={width}x{height}:rate={fps} -f lavfi -i sine=frequency=1000:sample_rate=48000 " +
                    $"-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -b:v {videoKbps}k -maxrate {videoKbps}k -bufsize {videoKbps}k -g {fps * 2} -keyint_min {fps * 2} -sc_threshold 0 " +
                    $"-c:a aac -b:a 128k -ac 2 -t {seconds} -f flv {temp}");
                Assert.True(code == 0, "ffmpeg could not make the test clip: " + error);
                File.Move(temp, path, overwrite: true);
            }

            Clips[name] = path;
            return path;
        }
        finally
        {
            ClipLock.Release();
        }
    }

    /// <summary>Starts publishing <paramref name="clip"/> in real time, looping, to <paramref name="url"/>.</summary>
    public static Publisher Publish(string clip, string url, bool loop = true) =>
        new(Start($"-hide_banner -loglevel error -re {(loop ? "-stream_loop -1 " : string.Empty)}-i {clip} -c copy -f flv {url}"));

    /// <summary>
    /// Encodes a live test pattern whose first video frame (a keyframe) comes <paramref name="videoDelaySeconds"/>
    /// after the RTMP publish: the stream is live, and then silent, until then.
    /// </summary>
    public static Publisher PublishWithLateVideo(string url, int videoDelaySeconds) =>
        new(Start("-hide_banner -loglevel error -nostdin -re -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine " +
            $"-vf select='gte(t\\,{videoDelaySeconds})' -c:v libx264 -preset veryfast -tune zerolatency -g 30 -c:a aac -f flv {url}"));

    /// <summary>Starts publishing <paramref name="clip"/> in real time as MPEG-TS over SRT to <paramref name="url"/> (<c>srt://...</c>).</summary>
    public static Publisher PublishSrt(string clip, string url, bool loop = true) =>
        new(Start($"-hide_banner -loglevel error -re {(loop ? "-stream_loop -1 " : string.Empty)}-i {clip} -c copy -f mpegts \"{url}\""));

    public static async Task<(int ExitCode, string Error)> RunAsync(string arguments, string tool = "ffmpeg", TimeSpan? timeout = null)
    {
        using var process = Start(arguments, tool);
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await error);
    }

    private static Process Start(string arguments, string tool = "ffmpeg")
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is required for these tests (apt-get install ffmpeg): {e.Message}", e);
        }
    }

    /// <summary>A running ffmpeg publisher.</summary>
    public sealed class Publisher(Process process) : IAsyncDisposable
    {
        private readonly Task<string> _errors = process.StandardError.ReadToEndAsync();

        public Process Process { get; } = process;

        public bool HasExited => Process.HasExited;

        /// <summary>Freezes the encoder (SIGSTOP): the connection stays open but no media flows.</summary>
        public Task PauseAsync() => SignalAsync("STOP");

        public Task ResumeAsync() => SignalAsync("CONT");

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            await Process.WaitForExitAsync(cancel.Token);
            return Process.ExitCode;
        }

        public Task<string> ErrorsAsync() => _errors;

        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                await SignalAsync("CONT");
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync();
            }

            Process.Dispose();
        }

        private async Task SignalAsync(string signal)
        {
            using var kill = Process.Start("kill", $"-{signal} {Process.Id}")!;
            await kill.WaitForExitAsync();
        }
    }
}
