using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Credentials;

/// <summary>
/// The AWS SDKs' default chain, first source with credentials wins: the environment
/// (<see cref="EnvironmentCredentialsProvider"/>), then the shared files' profile
/// (<see cref="ProfileCredentialsProvider"/>). When a profile is named in code the environment is skipped,
/// so the profile asked for is the one used. The result is kept for the client's lifetime.
/// </summary>
public sealed class DefaultCredentialsChain : IAwsCredentialsProvider
{
    private readonly AwsEnvironment _environment;
    private readonly string? _profile;
    private readonly Lazy<AwsSharedConfig>? _files;
    private SigV4Credentials? _cached;

    /// <summary>The chain over the process's environment and the user's shared files.</summary>
    /// <param name="profile">A profile named in code, or null for <c>AWS_PROFILE</c> / <c>default</c>.</param>
    public DefaultCredentialsChain(string? profile = null)
        : this(AwsEnvironment.Process, profile, null)
    {
    }

    internal DefaultCredentialsChain(AwsEnvironment environment, string? profile, Lazy<AwsSharedConfig>? files)
    {
        _environment = environment;
        _profile = profile;
        _files = files;
    }

    /// <summary>Where the credentials in use came from: <c>environment</c> or <c>profile NAME</c> (null before the first call).</summary>
    public string? Source { get; private set; }

    /// <inheritdoc />
    public ValueTask<SigV4Credentials> GetCredentialsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(_cached ??= Resolve());

    private SigV4Credentials Resolve()
    {
        if (_profile is null && new EnvironmentCredentialsProvider(_environment).TryGet() is { } fromEnvironment)
        {
            Source = "environment";
            return fromEnvironment;
        }

        var profile = new ProfileCredentialsProvider(_environment, _profile);
        if (profile.TryGet(_files?.Value ?? AwsSharedConfig.Load(_environment)) is { } fromProfile)
        {
            Source = $"profile {profile.Profile}";
            return fromProfile;
        }

        throw new IvsConfigurationException(
            "No AWS credentials found. Set IvsClientOptions.Credentials, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" +
            (_profile is null ? string.Empty : " (skipped: a profile was named in code)") +
            $", or aws_access_key_id and aws_secret_access_key in profile '{profile.Profile}' of {_environment.CredentialsFile} or {_environment.ConfigFile}.");
    }
}
