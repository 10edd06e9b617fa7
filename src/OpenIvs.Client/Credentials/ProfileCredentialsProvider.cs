using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Credentials;

/// <summary>
/// A profile's <c>aws_access_key_id</c>, <c>aws_secret_access_key</c> and <c>aws_session_token</c> from the
/// shared <c>credentials</c> file (<c>AWS_SHARED_CREDENTIALS_FILE</c>, default <c>~/.aws/credentials</c>) and
/// <c>config</c> file (<c>AWS_CONFIG_FILE</c>, default <c>~/.aws/config</c>); the credentials file wins.
/// The profile is the one given, else <c>AWS_PROFILE</c>, else <c>default</c>. Read once, when first asked.
/// </summary>
public sealed class ProfileCredentialsProvider : IAwsCredentialsProvider
{
    private readonly AwsEnvironment _environment;
    private readonly string? _profile;
    private SigV4Credentials? _cached;

    /// <summary>Reads the named profile (null: <c>AWS_PROFILE</c>, else <c>default</c>).</summary>
    /// <param name="profile">The profile name, or null.</param>
    public ProfileCredentialsProvider(string? profile = null)
        : this(AwsEnvironment.Process, profile)
    {
    }

    internal ProfileCredentialsProvider(AwsEnvironment environment, string? profile)
    {
        _environment = environment;
        _profile = profile;
    }

    /// <summary>The profile this provider reads.</summary>
    public string Profile => _profile ?? _environment.Variable("AWS_PROFILE") ?? "default";

    /// <inheritdoc />
    public ValueTask<SigV4Credentials> GetCredentialsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cached ??= TryGet(AwsSharedConfig.Load(_environment)) ?? throw new IvsConfigurationException(
            $"The profile '{Profile}' has no aws_access_key_id and aws_secret_access_key in {_environment.CredentialsFile} or {_environment.ConfigFile}."));

    internal SigV4Credentials? TryGet(AwsSharedConfig files)
    {
        var id = files.Get(Profile, "aws_access_key_id");
        var secret = files.Get(Profile, "aws_secret_access_key");
        return id is null || secret is null ? null : new SigV4Credentials(id, secret, files.Get(Profile, "aws_session_token"));
    }
}
