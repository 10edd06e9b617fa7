using System.Text.RegularExpressions;

namespace OpenIvs.Server.Tests.Telemetry;

/// <summary>Keeps <see cref="MonitoredServers"/> whole: a test class that turns metrics on and runs beside the others flakes them.</summary>
public class MonitoredServersTests
{
    [Fact]
    public void EveryTestClassWhoseServersTurnMetricsOnRunsInTheMonitoredCollection()
    {
        var root = Path.Combine(OpenIvs.Tests.Shared.RepositoryRoot.Path, "tests", "OpenIvs.Server.Tests");
        var outside = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"Monitoring\.(MetricsOnHttp\s*=\s*true|MetricsListen\s*=)"))
            .Where(f => !File.ReadAllText(f).Contains("MonitoredServers.Name", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();
        Assert.True(outside.Count == 0, "Turn metrics on only in [Collection(MonitoredServers.Name)] classes: " + string.Join(", ", outside));
    }
}
