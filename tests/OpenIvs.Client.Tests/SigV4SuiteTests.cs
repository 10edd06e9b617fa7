using OpenIvs.Client.Runtime;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Auth;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Client.Tests;

/// <summary>
/// The AWS SigV4 test suite (spec/sigv4-testsuite) through the SDK's signing path: each case's request is
/// built as the <see cref="HttpRequestMessage"/> the client would send, signed by <see cref="IvsRequestSigner.Sign"/>
/// (which reads the message's headers, wire path and query and calls the shared <see cref="SigV4Signer"/>),
/// and must give the suite's canonical request, string to sign and Authorization header.
/// </summary>
public sealed class SigV4SuiteTests
{
    /// <summary>
    /// Cases an HTTP client cannot send as written, with the reason. A case listed here that starts passing
    /// fails the test, so the list cannot go stale.
    /// </summary>
    private static readonly Dictionary<string, string> CannotBeSent = new(StringComparer.Ordinal)
    {
        ["normalize-path/get-space"] = "the request line holds a raw space; on the wire it is %20, which SigV4 for non-S3 services signs as %2520",
        ["get-utf8"] = "the request line holds raw UTF-8; on the wire it is percent-encoded, which SigV4 for non-S3 services encodes again",
    };

    public static TheoryData<string> Cases() => [.. SigV4TestSuite.CaseNames()];

    [Fact]
    public void SuiteHas34Cases() => Assert.Equal(34, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseSignsAsTheSuiteExpects(string name)
    {
        var testCase = SigV4TestSuite.Load(name);
        var expectedAuthorization = testCase.Authorization;

        SigV4Result? result = null;
        Exception? failure = null;
        try
        {
            var (message, body, token) = Build(testCase.Request, expectedAuthorization);

            // The suite's "token signed" cases expect the signer to add and sign the session token (.sreq has it).
            if (token is null && expectedAuthorization.Contains("x-amz-security-token", StringComparison.Ordinal))
            {
                token = testCase.SignedRequest.Headers.First(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)).Value;
            }

            using (message)
            {
                result = IvsRequestSigner.Sign(message, SigV4.HexSha256(body), new SigV4Credentials(SigV4TestSuite.AccessKeyId, SigV4TestSuite.SecretAccessKey, token), SigV4TestSuite.Region, SigV4TestSuite.Service, SigV4TestSuite.Time);
                Assert.Equal(expectedAuthorization, message.Headers.GetValues("Authorization").Single());
            }

            Assert.Equal(testCase.CanonicalRequest, result.CanonicalRequest);
            Assert.Equal(testCase.StringToSign, result.StringToSign);
        }
        catch (Exception e) when (CannotBeSent.ContainsKey(name))
        {
            failure = e;
        }

        if (CannotBeSent.TryGetValue(name, out var reason))
        {
            Assert.True(failure is not null, $"{name} is listed as unsendable ({reason}) but now signs as expected; remove it from the list.");
        }
    }

    /// <summary>The suite's raw request as the HttpRequestMessage the SDK would send.</summary>
    private static (HttpRequestMessage Message, byte[] Body, string? Token) Build(RawRequest raw, string expectedAuthorization)
    {
        var (method, headers, body) = (raw.Method, raw.Headers, raw.Body);
        var target = raw.Query is null ? raw.Path : raw.Path + "?" + raw.Query;
        var host = headers.First(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;
        var message = new HttpRequestMessage(new HttpMethod(method), new Uri("https://" + host + target, UriKind.Absolute));
        if (body.Length > 0 || method == "POST" && headers.Any(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
        {
            message.Content = new ByteArrayContent(body);
        }

        string? token = null;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value;
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content!.Headers.TryAddWithoutValidation(name, value);
            }
            else if (name.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase))
            {
                // The signer adds the session token of temporary credentials itself.
                token = expectedAuthorization.Contains("x-amz-security-token", StringComparison.Ordinal) ? value : null;
                if (token is null)
                {
                    message.Headers.TryAddWithoutValidation(name, value);
                }
            }
            else if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                throw new InvalidOperationException($"HttpClient refuses the header {name}: {value}");
            }
        }

        if (message.Content is { } content && !headers.Any(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            // The suite's requests carry no Content-Length; HttpClient would compute one, which the suite does not sign.
            content.Headers.ContentLength = null;
            content.Headers.Remove("Content-Length");
        }

        return (message, body, token);
    }
}
