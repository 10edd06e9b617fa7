using System.Text;

namespace OpenIvs.Tests.Shared;

/// <summary>
/// Loads the vendored AWS SigV4 test vectors (spec/sigv4-testsuite): 34 cases of five files each. One loader,
/// linked into every test project that runs the suite (the shared signer and verifier, the SDK's signing path,
/// the integration tests' raw-request signer).
/// </summary>
internal static class SigV4TestSuite
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public static readonly DateTimeOffset Time = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    public static string Root => System.IO.Path.Combine(RepositoryRoot.Path, "spec", "sigv4-testsuite");

    /// <summary>Case names relative to the suite root, e.g. <c>get-vanilla</c>, <c>normalize-path/get-slash</c>.</summary>
    public static IEnumerable<string> CaseNames() =>
        Directory.EnumerateFiles(Root, "*.req", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(Root, System.IO.Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static SigV4Case Load(string name)
    {
        var dir = System.IO.Path.Combine(Root, name);
        var file = System.IO.Path.GetFileName(name);
        string Read(string extension) => File.ReadAllText(System.IO.Path.Combine(dir, file + extension), Encoding.UTF8);
        return new SigV4Case(name, ParseRequest(Read(".req")), ParseRequest(Read(".sreq")), Read(".creq"), Read(".sts"), Read(".authz"));
    }

    /// <summary>Parses the suite's raw HTTP: request line, headers (folded lines continue a value), blank line, body.</summary>
    private static RawRequest ParseRequest(string text)
    {
        var lines = text.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i][0] is ' ' or '\t')
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + lines[i]);
                continue;
            }

            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..]));
        }

        var body = i < lines.Length ? string.Join('\n', lines[(i + 1)..]) : string.Empty;
        return new RawRequest(
            method,
            question < 0 ? target : target[..question],
            question < 0 ? null : target[(question + 1)..],
            headers,
            Encoding.UTF8.GetBytes(body));
    }
}

internal sealed record RawRequest(string Method, string Path, string? Query, List<KeyValuePair<string, string>> Headers, byte[] Body);

internal sealed record SigV4Case(string Name, RawRequest Request, RawRequest SignedRequest, string CanonicalRequest, string StringToSign, string Authorization);
