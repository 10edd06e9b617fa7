using System.Text;
using OpenIvs.Client.Runtime;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Tests;

/// <summary>
/// The AWS SigV4 test suite (spec/sigv4-testsuite) through the SDK's signing path: each case's request is
/// built as the <see cref="HttpRequestMessage"/> the client would send, signed by <see cref="IvsRequestSigner.Sign"/>
/// (which reads the message's headers, wire path and query and calls the shared <see cref="SigV4Signer"/>),
/// and must give the suite's canonical request, string to sign and Authorization header.
/// </summary>
public sealed class SigV4SuiteTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset Time = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    /// <summary>
    /// Cases an HTTP client cannot send as written, with the reason. A case listed here that starts passing
    /// fails the test, so the list cannot go stale.
    /// </summary>
    private static readonly Dictionary<string, string> CannotBeSent = new(StringComparer.Ordinal)
    {
        ["normalize-path/get-space"] = "the request line holds a raw space; on the wire it is %20, which SigV4 for non-S3 services signs as %2520",
        ["get-utf8"] = "the request line holds raw UTF-8; on the wire it is percent-encoded, which SigV4 for non-S3 services encodes again",
    };

    private static string Root => Path.Combine(RepositoryRoot.Path, "spec", "sigv4-testsuite");

    public static TheoryData<string> Cases() =>
    [
        .. Directory.EnumerateFiles(Root, "*.req", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal),
    ];

    [Fact]
    public void SuiteHas34Cases() => Assert.Equal(34, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseSignsAsTheSuiteExpects(string name)
    {
        var dir = Path.Combine(Root, name);
        var file = Path.GetFileName(name);
        string Read(string extension) => File.ReadAllText(Path.Combine(dir, file + extension), Encoding.UTF8);
        var expectedAuthorization = Read(".authz");

        SigV4Result? result = null;
        Exception? failure = null;
        try
        {
            var (message, body, token) = Build(Read(".req"), expectedAuthorization);

            // The suite's "token signed" cases expect the signer to add and sign the session token (.sreq has it).
            if (token is null && expectedAuthorization.Contains("x-amz-security-token", StringComparison.Ordinal))
            {
                token = Read(".sreq").Split('\n').First(l => l.StartsWith("X-Amz-Security-Token:", StringComparison.OrdinalIgnoreCase))["X-Amz-Security-Token:".Length..];
            }

            using (message)
            {
                result = IvsRequestSigner.Sign(message, SigV4.HexSha256(body), new SigV4Credentials(AccessKeyId, SecretAccessKey, token), "us-east-1", "service", Time);
                Assert.Equal(expectedAuthorization, message.Headers.GetValues("Authorization").Single());
            }

            Assert.Equal(Read(".creq"), result.CanonicalRequest);
            Assert.Equal(Read(".sts"), result.StringToSign);
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

    /// <summary>The suite's raw request as an HttpRequestMessage: request line, headers (folded lines continue a value), body.</summary>
    private static (HttpRequestMessage Message, byte[] Body, string? Token) Build(string raw, string expectedAuthorization)
    {
        var lines = raw.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i][0] is ' ' or '\t')
            {
                headers[^1] = new(headers[^1].Key, headers[^1].Value + "\n" + lines[i]);
                continue;
            }

            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..]));
        }

        var body = Encoding.UTF8.GetBytes(i < lines.Length ? string.Join('\n', lines[(i + 1)..]) : string.Empty);
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
