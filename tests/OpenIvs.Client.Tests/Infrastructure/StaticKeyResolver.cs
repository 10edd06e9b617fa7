using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>One known access key, for verifying captured signatures with the shared <see cref="SigV4Verifier"/>.</summary>
internal sealed class StaticKeyResolver(SigV4Credentials credentials) : ISigV4KeyResolver
{
    public SigV4Key? Resolve(string accessKeyId, string date, string region, string service) =>
        accessKeyId == credentials.AccessKeyId
            ? new SigV4Key(SigV4.SigningKey(credentials.SecretAccessKey, date, region, service), credentials.SessionToken, null, "test")
            : null;

    public static SigV4Verification Verify(CapturedRequest request, SigV4Credentials credentials, string region, string service = "ivs") =>
        new SigV4Verifier(region, service, TimeProvider.System).Verify(
            new SigV4Request(request.Method, request.Path, request.Query, request.Headers, request.Body),
            new StaticKeyResolver(credentials));
}
