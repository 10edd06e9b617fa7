using System.Text;
using BenchmarkDotNet.Attributes;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Benchmarks.Auth;

/// <summary>
/// Cost of verifying one API request's signature on the server: a GetChannel call as
/// @aws-sdk/client-ivs sends it (seven signed headers, a JSON body), with the signing key cached per
/// key and day as the server does.
/// </summary>
[MemoryDiagnoser]
public class SigV4VerifierBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private SigV4Request _request = null!;
    private SigV4Verifier _verifier = null!;
    private CachedKey _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        var credentials = new SigV4Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        var body = Encoding.UTF8.GetBytes("""{"arn":"arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh"}""");
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", "127.0.0.1:8080"),
            new("content-type", "application/json"),
            new("content-length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("x-amz-date", SigV4.FormatDate(Now)),
            new("x-amz-user-agent", "aws-sdk-js/3.1136.0"),
            new("amz-sdk-invocation-id", "7c9c5c2e-3c63-4b4b-8a5e-0f9d0b6a1b2c"),
            new("amz-sdk-request", "attempt=1; max=3"),
        };
        var signed = SigV4Signer.SignHeaders("POST", "/GetChannel", null, headers, SigV4.HexSha256(body), credentials, "us-west-2", "ivs", Now);
        headers.Add(new("authorization", signed.Authorization));
        headers.Add(new("user-agent", "aws-sdk-js/3.1136.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2 api/ivs#3.1136.0"));
        headers.Add(new("accept", "*/*"));
        _request = new SigV4Request("POST", "/GetChannel", null, headers, body);
        _verifier = new SigV4Verifier("us-west-2", "ivs", new FixedTime(Now));
        _keys = new CachedKey(credentials);
        if (!_verifier.Verify(_request, _keys).Succeeded)
        {
            throw new InvalidOperationException("The benchmark request does not verify.");
        }
    }

    [Benchmark]
    public bool Verify() => _verifier.Verify(_request, _keys).Succeeded;

    [Benchmark]
    public byte[] DeriveSigningKey() => SigV4.SigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20261126", "us-west-2", "ivs");

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Resolves to a key derived once, as the server's per-key-and-day cache does.</summary>
    private sealed class CachedKey(SigV4Credentials credentials) : ISigV4KeyResolver
    {
        private readonly SigV4Key _key = new(SigV4.SigningKey(credentials.SecretAccessKey, "20261126", "us-west-2", "ivs"), null, null, "root");

        public SigV4Key? Resolve(string accessKeyId, string date, string region, string service) =>
            accessKeyId == credentials.AccessKeyId ? _key : null;
    }
}
