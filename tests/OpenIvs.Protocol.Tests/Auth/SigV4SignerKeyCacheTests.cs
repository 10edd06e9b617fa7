using OpenIvs.Protocol.Auth;

namespace OpenIvs.Protocol.Tests.Auth;

/// <summary>The signer keeps one derived key per credentials object; it must follow the day, region and service.</summary>
public sealed class SigV4SignerKeyCacheTests
{
    private static readonly KeyValuePair<string, string>[] Headers = [new("host", "ivs.example"), new("x-amz-date", "")];

    [Fact]
    public void ReusedCredentialsSignLikeFreshOnesAcrossDaysRegionsAndServices()
    {
        var reused = new SigV4Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        var scopes = new[]
        {
            (new DateTimeOffset(2026, 12, 4, 23, 59, 59, TimeSpan.Zero), "us-west-2", "ivs"),
            (new DateTimeOffset(2026, 12, 5, 0, 0, 1, TimeSpan.Zero), "us-west-2", "ivs"),
            (new DateTimeOffset(2026, 12, 5, 0, 0, 2, TimeSpan.Zero), "eu-west-1", "ivs"),
            (new DateTimeOffset(2026, 12, 5, 0, 0, 3, TimeSpan.Zero), "eu-west-1", "ivschat"),
            (new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero), "us-west-2", "ivs"),
        };

        foreach (var (time, region, service) in scopes)
        {
            var headers = Headers.Select(h => h.Key == "x-amz-date" ? new KeyValuePair<string, string>(h.Key, SigV4.FormatDate(time)) : h).ToList();
            var fresh = reused with { };
            Assert.NotSame(reused, fresh);

            var cached = SigV4Signer.SignHeaders("POST", "/GetChannel", null, headers, SigV4.EmptyPayloadHash, reused, region, service, time);
            var expected = SigV4Signer.SignHeaders("POST", "/GetChannel", null, headers, SigV4.EmptyPayloadHash, fresh, region, service, time);
            Assert.Equal(expected.Authorization, cached.Authorization);

            var presigned = SigV4Signer.Presign("GET", "/GetChannel", null, "ivs.example", SigV4.EmptyPayloadHash, reused, region, service, time, TimeSpan.FromMinutes(5));
            Assert.Equal(SigV4Signer.Presign("GET", "/GetChannel", null, "ivs.example", SigV4.EmptyPayloadHash, fresh, region, service, time, TimeSpan.FromMinutes(5)), presigned);
        }
    }
}
