namespace OpenIvs.Benchmarks.Media;

/// <summary>Finds the ffmpeg-made fixtures of the media tests from wherever BenchmarkDotNet runs the benchmark.</summary>
internal static class BenchmarkData
{
    public static byte[] Read(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "OpenIvs.Media.Tests", "TestData", relative);
            if (File.Exists(candidate))
            {
                return File.ReadAllBytes(candidate);
            }
        }

        throw new FileNotFoundException($"TestData/{relative} not found above {AppContext.BaseDirectory}");
    }
}
