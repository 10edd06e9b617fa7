using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Credentials;

/// <summary>Supplies the access key the client signs with. Called before every call; cache inside.</summary>
public interface IAwsCredentialsProvider
{
    /// <summary>Returns the credentials to sign the next request with.</summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The credentials.</returns>
    /// <exception cref="IvsConfigurationException">This source has no credentials.</exception>
    ValueTask<SigV4Credentials> GetCredentialsAsync(CancellationToken cancellationToken);
}
