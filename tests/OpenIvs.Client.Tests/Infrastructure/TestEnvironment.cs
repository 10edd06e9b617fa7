using OpenIvs.Client.Runtime;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>
/// A private environment for configuration tests: variables from a dictionary and a temp home directory
/// (with <c>.aws/</c> files written on demand), so the process environment is never read or changed.
/// </summary>
public sealed class TestEnvironment : IDisposable
{
    public TestEnvironment()
    {
        Home = Path.Combine(Path.GetTempPath(), "openivs-client-env", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Home, ".aws"));
    }

    public string Home { get; }

    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    internal AwsEnvironment Environment => new(name => Variables.TryGetValue(name, out var value) ? value : null, Home);

    public string WriteConfig(string text, string? path = null) => Write(path ?? Path.Combine(Home, ".aws", "config"), text);

    public string WriteCredentials(string text, string? path = null) => Write(path ?? Path.Combine(Home, ".aws", "credentials"), text);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r", string.Empty, StringComparison.Ordinal));
        return path;
    }
}
