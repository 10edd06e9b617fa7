using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Credentials;

/// <summary>
/// <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c>, with <c>AWS_SESSION_TOKEN</c> for temporary
/// credentials, read when first asked.
/// </summary>
public sealed class EnvironmentCredentialsProvider : IAwsCredentialsProvider
{
    private readonly AwsEnvironment _environment;

    /// <summary>Reads the process's environment variables.</summary>
    public EnvironmentCredentialsProvider()
        : this(AwsEnvironment.Process)
    {
    }

    internal EnvironmentCredentialsProvider(AwsEnvironment environment) => _environment = environment;

    /// <inheritdoc />
    public ValueTask<SigV4Credentials> GetCredentialsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryGet() ?? throw new IvsConfigurationException(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set in the environment."));

    internal SigV4Credentials? TryGet()
    {
        var id = _environment.Variable("AWS_ACCESS_KEY_ID");
        var secret = _environment.Variable("AWS_SECRET_ACCESS_KEY");
        return id is null || secret is null ? null : new SigV4Credentials(id, secret, _environment.Variable("AWS_SESSION_TOKEN"));
    }
}
