using System.Diagnostics;

namespace OpenIvs.Media.Tests.Testing;

/// <summary>Runs the real ffmpeg. Tests that need it fail (never skip) when it is missing.</summary>
public static class Ffmpeg
{
    public static string Executable
    {
        get
        {
            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var candidate = Path.Combine(directory, "ffmpeg");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            Assert.Fail("ffmpeg is not installed (apt-get install ffmpeg); this test needs the real encoder.");
            return null!;
        }
    }

    /// <summary>Starts ffmpeg with stdout/stderr captured.</summary>
    public static Process Start(string arguments)
    {
        var info = new ProcessStartInfo(Executable, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        return Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
    }
}
