using System.Text;

namespace OpenIvs.IntegrationTests;

/// <summary>
/// The test-only signer that signs raw requests (fuzzing, fault injection) is itself checked against the
/// vendored AWS SigV4 test suite (spec/sigv4-testsuite): canonical request, string to sign and Authorization.
/// </summary>
public class SigV4SignerTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private static string SuiteDirectory => Path.Combine(AppContext.BaseDirectory, "Spec", "sigv4-testsuite");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var request in Directory.EnumerateFiles(SuiteDirectory, "*.req", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(SuiteDirectory, Path.ChangeExtension(request, null)));
        }

        return data;
    }

    [Fact]
    public void SuiteIsPresent() => Assert.Equal(34, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheSuite(string name)
    {
        var basePath = Path.Combine(SuiteDirectory, name);
        var (method, target, headers, body) = ParseRequest(File.ReadAllText(basePath + ".req"));

        // Cases signed with a session token carry it only in the signed request (.sreq): botocore adds it
        // from the credentials before signing when the canonical request names it.
        var token = ParseRequest(File.ReadAllText(basePath + ".sreq")).Headers
            .FirstOrDefault(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase));
        if (token.Key is not null && !headers.Any(h => h.Key.Equals(token.Key, StringComparison.OrdinalIgnoreCase))
            && File.ReadAllText(basePath + ".creq").Contains("x-amz-security-token:", StringComparison.Ordinal))
        {
            headers.Add(token);
        }

        var signature = SigV4Signer.Sign(method, target, headers, body, AccessKeyId, SecretAccessKey, "us-east-1", "service");

        Assert.Equal(File.ReadAllText(basePath + ".creq"), signature.CanonicalRequest);
        Assert.Equal(File.ReadAllText(basePath + ".sts"), signature.StringToSign);
        Assert.Equal(File.ReadAllText(basePath + ".authz"), signature.Authorization);
    }

    [Fact]
    public void AnEncodedPathIsEncodedOnceMore()
    {
        Assert.Equal("/tags/arn%253Aaws%253Aivs%253Aus-west-2%253A000000000000%253Achannel%252FabcdABCDefgh",
            SigV4Signer.CanonicalPath("/tags/arn%3Aaws%3Aivs%3Aus-west-2%3A000000000000%3Achannel%2FabcdABCDefgh"));
    }

    /// <summary>Reads a suite .req file: request line, headers (with continuation lines), blank line, body.</summary>
    private static (string Method, string Target, List<KeyValuePair<string, string>> Headers, byte[] Body) ParseRequest(string text)
    {
        var lines = text.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var headers = new List<KeyValuePair<string, string>>();
        var index = 1;
        for (; index < lines.Length && lines[index].Length > 0; index++)
        {
            var line = lines[index];
            if (char.IsWhiteSpace(line[0]))
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var body = index < lines.Length ? string.Join('\n', lines[(index + 1)..]) : string.Empty;
        return (method, target, headers, Encoding.UTF8.GetBytes(body));
    }
}
