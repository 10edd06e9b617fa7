using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Credentials;

/// <summary>Always the same credentials, given in code.</summary>
/// <param name="credentials">The access key (and session token of temporary credentials).</param>
public sealed class StaticCredentialsProvider(SigV4Credentials credentials) : IAwsCredentialsProvider
{
    private readonly SigV4Credentials _credentials = Check(credentials);

    /// <inheritdoc />
    public ValueTask<SigV4Credentials> GetCredentialsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_credentials);

    private static SigV4Credentials Check(SigV4Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (string.IsNullOrEmpty(credentials.AccessKeyId) || string.IsNullOrEmpty(credentials.SecretAccessKey))
        {
            throw new ArgumentException("Credentials need both an access key id and a secret access key.", nameof(credentials));
        }

        return credentials;
    }
}
