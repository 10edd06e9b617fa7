using System.Text;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>
/// The account's root access key. From <c>OPENIVS_ACCESS_KEY_ID</c>/<c>OPENIVS_SECRET_ACCESS_KEY</c> when
/// both are set; otherwise read from, or on first start generated into, <c>&lt;data-dir&gt;/credentials</c>
/// (AWS shared-credentials format, mode 0600) so the AWS CLI can use it with
/// <c>AWS_SHARED_CREDENTIALS_FILE</c>.
/// </summary>
public sealed class RootCredentials
{
    public const string AccessKeyEnvironmentVariable = "OPENIVS_ACCESS_KEY_ID";
    public const string SecretKeyEnvironmentVariable = "OPENIVS_SECRET_ACCESS_KEY";

    private RootCredentials(string accessKeyId, string secretAccessKey, string source)
    {
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        Source = source;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    /// <summary>Where the key came from (for the start-up log; never the secret).</summary>
    public string Source { get; }

    public override string ToString() => $"RootCredentials {{ AccessKeyId = {AccessKeyId}, Source = {Source} }}";

    public static RootCredentials Resolve(string dataDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var id = environment(AccessKeyEnvironmentVariable);
        var secret = environment(SecretKeyEnvironmentVariable);
        if (!string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret))
        {
            return new RootCredentials(id, secret, "environment");
        }

        var path = Path.Combine(dataDirectory, "credentials");
        if (File.Exists(path) && TryRead(path, out var stored))
        {
            return stored;
        }

        var created = new RootCredentials(ResourceIds.NewAccessKeyId(), ResourceIds.NewSecretAccessKey(), path);
        Write(path, created);
        return created;
    }

    private static bool TryRead(string path, out RootCredentials credentials)
    {
        string? id = null, secret = null;
        foreach (var line in File.ReadLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (key == "aws_access_key_id")
            {
                id = value;
            }
            else if (key == "aws_secret_access_key")
            {
                secret = value;
            }
        }

        credentials = new RootCredentials(id ?? string.Empty, secret ?? string.Empty, path);
        return !string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret);
    }

    private static void Write(string path, RootCredentials credentials)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        var text = $"[default]\naws_access_key_id = {credentials.AccessKeyId}\naws_secret_access_key = {credentials.SecretAccessKey}\n";
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
