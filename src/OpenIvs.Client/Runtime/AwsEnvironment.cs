namespace OpenIvs.Client.Runtime;

/// <summary>
/// Where configuration comes from outside the code: environment variables and the user's home directory.
/// The process's by default; tests give their own so they never touch the real environment.
/// </summary>
internal sealed class AwsEnvironment(Func<string, string?> getVariable, string? homeDirectory)
{
    public static AwsEnvironment Process { get; } = new(
        System.Environment.GetEnvironmentVariable,
        null);

    public string? Variable(string name)
    {
        var value = getVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>HOME (or USERPROFILE), as the AWS SDKs look it up; else the OS's user profile folder.</summary>
    public string HomeDirectory =>
        homeDirectory
        ?? Variable("HOME")
        ?? Variable("USERPROFILE")
        ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);

    public string CredentialsFile => ExpandHome(Variable("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine("~", ".aws", "credentials"));

    public string ConfigFile => ExpandHome(Variable("AWS_CONFIG_FILE") ?? Path.Combine("~", ".aws", "config"));

    private string ExpandHome(string path) =>
        path == "~" ? HomeDirectory
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(HomeDirectory, path[2..])
        : path;
}
