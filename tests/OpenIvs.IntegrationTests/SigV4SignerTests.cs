using OpenIvs.Tests.Shared;

namespace OpenIvs.IntegrationTests;

/// <summary>
/// The test-only signer that signs raw requests (fuzzing, fault injection) is itself checked against the
/// vendored AWS SigV4 test suite (spec/sigv4-testsuite): canonical request, string to sign and Authorization.
/// </summary>
public class SigV4SignerTests
{
    public static TheoryData<string> Cases() => [.. SigV4TestSuite.CaseNames()];

    [Fact]
    public void SuiteIsPresent() => Assert.Equal(34, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheSuite(string name)
    {
        var testCase = SigV4TestSuite.Load(name);
        var request = testCase.Request;
        var headers = request.Headers.ToList();

        // Cases signed with a session token carry it only in the signed request (.sreq): botocore adds it
        // from the credentials before signing when the canonical request names it.
        var token = testCase.SignedRequest.Headers
            .FirstOrDefault(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase));
        if (token.Key is not null && !headers.Any(h => h.Key.Equals(token.Key, StringComparison.OrdinalIgnoreCase))
            && testCase.CanonicalRequest.Contains("x-amz-security-token:", StringComparison.Ordinal))
        {
            headers.Add(token);
        }

        var target = request.Query is null ? request.Path : request.Path + "?" + request.Query;
        var signature = SigV4Signer.Sign(
            request.Method, target, headers, request.Body, SigV4TestSuite.AccessKeyId, SigV4TestSuite.SecretAccessKey, SigV4TestSuite.Region, SigV4TestSuite.Service);

        Assert.Equal(testCase.CanonicalRequest, signature.CanonicalRequest);
        Assert.Equal(testCase.StringToSign, signature.StringToSign);
        Assert.Equal(testCase.Authorization, signature.Authorization);
    }

    [Fact]
    public void AnEncodedPathIsEncodedOnceMore()
    {
        Assert.Equal("/tags/arn%253Aaws%253Aivs%253Aus-west-2%253A000000000000%253Achannel%252FabcdABCDefgh",
            SigV4Signer.CanonicalPath("/tags/arn%3Aaws%3Aivs%3Aus-west-2%3A000000000000%3Achannel%2FabcdABCDefgh"));
    }
}
