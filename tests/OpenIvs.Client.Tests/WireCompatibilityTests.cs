using System.Text.Json.Nodes;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Auth;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Client.Tests;

/// <summary>
/// Every operation through this SDK and through @aws-sdk/client-ivs, against the same capturing endpoint:
/// the requests must agree in method, path, canonical query, the set of signed headers and their values
/// (all but the date, invocation id and user agent), the credential scope, and the JSON body; and both
/// signatures must verify with the shared SigV4 verifier.
/// </summary>
public sealed class WireCompatibilityTests(WireCompatibilityTests.Capture capture) : IClassFixture<WireCompatibilityTests.Capture>
{
    private static readonly HashSet<string> VaryingHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "x-amz-date", "amz-sdk-invocation-id", "x-amz-user-agent", "user-agent", "authorization",
    };

    private static readonly HashSet<string> BodyHeaders = new(StringComparer.OrdinalIgnoreCase) { "x-amz-content-sha256", "content-length" };

    public static TheoryData<string> Operations() => [.. OperationCatalog.All.Select(c => c.Operation)];

    [Fact]
    public void CatalogCoversEveryOperationOfTheModel()
    {
        Assert.Equal(41, IvsOperations.All.Count);
        Assert.Equal(
            IvsOperations.All.Select(o => o.Name).Order(StringComparer.Ordinal),
            OperationCatalog.All.Select(c => c.Operation).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void RequestMatchesTheJavaScriptSdk(string operation)
    {
        var js = capture.JavaScript[operation];
        var net = capture.DotNet[operation];

        Assert.Equal(js.Method, net.Method);
        Assert.Equal(js.Path, net.Path);
        Assert.Equal(SigV4.CanonicalQuery(js.Query), SigV4.CanonicalQuery(net.Query));

        var jsSigned = SignedHeaders(js);
        var netSigned = SignedHeaders(net);
        Assert.Equal(jsSigned, netSigned);
        Assert.Equal(ScopeWithoutDate(js), ScopeWithoutDate(net));
        Assert.Equal(js.Header("amz-sdk-request"), net.Header("amz-sdk-request"));
        if (js.Body.Length == 0 || net.Body.Length == 0)
        {
            Assert.Equal(js.Body.Length, net.Body.Length);
        }
        else
        {
            var jsBody = JsonNode.Parse(js.Body);
            var netBody = JsonNode.Parse(net.Body);
            Assert.True(JsonNode.DeepEquals(jsBody, netBody), $"{operation}: JS body {jsBody?.ToJsonString()} vs .NET {netBody?.ToJsonString()}");
        }

        // The payload hash and length are those of each SDK's own body: equal when the bytes are (member order
        // is free in JSON and follows each SDK's copy of the model), and always true to the body sent.
        foreach (var request in new[] { js, net })
        {
            Assert.Equal(SigV4.HexSha256(request.Body), request.Header("x-amz-content-sha256"));
            Assert.Equal(request.Body.Length == 0 ? null : request.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Header("content-length"));
        }

        var sameBytes = js.Body.AsSpan().SequenceEqual(net.Body);
        foreach (var header in jsSigned.Where(h => !VaryingHeaders.Contains(h) && (sameBytes || !BodyHeaders.Contains(h))))
        {
            Assert.True(js.Header(header) == net.Header(header), $"{operation}: signed header {header}: JS '{js.Header(header)}', .NET '{net.Header(header)}'");
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void BothSignaturesVerify(string operation)
    {
        foreach (var request in new[] { capture.JavaScript[operation], capture.DotNet[operation] })
        {
            var verification = StaticKeyResolver.Verify(request, Capture.Credentials, Capture.Region);
            Assert.True(verification.Succeeded, $"{operation}: {verification.Message}");
        }
    }

    private static List<string> SignedHeaders(CapturedRequest request)
    {
        var authorization = request.Header("authorization") ?? throw new InvalidOperationException("unsigned request");
        var start = authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal) + "SignedHeaders=".Length;
        var end = authorization.IndexOf(',', start);
        return [.. authorization[start..end].Split(';')];
    }

    private static string ScopeWithoutDate(CapturedRequest request)
    {
        var authorization = request.Header("authorization")!;
        var start = authorization.IndexOf("Credential=", StringComparison.Ordinal) + "Credential=".Length;
        var parts = authorization[start..authorization.IndexOf(',', start)].Split('/');
        return string.Join('/', parts.Where((_, i) => i != 1));
    }

    /// <summary>Runs the catalog once through each SDK against one capturing endpoint.</summary>
    public sealed class Capture : IAsyncLifetime
    {
        public const string Region = "us-west-2";

        public static readonly SigV4Credentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+value=");

        public Dictionary<string, CapturedRequest> JavaScript { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, CapturedRequest> DotNet { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            await using var endpoint = await CapturingEndpoint.StartAsync();
            var calls = new JsonArray();
            foreach (var call in OperationCatalog.All)
            {
                calls.Add(new JsonObject { ["operation"] = call.Operation, ["input"] = call.JsInput.DeepClone() });
            }

            var results = await NodeDriver.RunAsync("ivs-calls.mjs", new JsonObject
            {
                ["endpoint"] = endpoint.Address.ToString().TrimEnd('/'),
                ["region"] = Region,
                ["credentials"] = new JsonObject
                {
                    ["accessKeyId"] = Credentials.AccessKeyId,
                    ["secretAccessKey"] = Credentials.SecretAccessKey,
                    ["sessionToken"] = Credentials.SessionToken,
                },
                ["calls"] = calls,
            });
            foreach (var result in results.AsArray())
            {
                Assert.True(result!["ok"]!.GetValue<bool>(), $"JS {result["operation"]}: {result["error"]?.ToJsonString()}");
            }

            Collect(endpoint, JavaScript);
            using var client = new IvsClient(new IvsClientOptions { Region = Region, Endpoint = endpoint.Address, Credentials = Credentials });
            foreach (var call in OperationCatalog.All)
            {
                await call.Invoke(client, CancellationToken.None);
            }

            Collect(endpoint, DotNet);
        }

        public Task DisposeAsync() => Task.CompletedTask;

        private static void Collect(CapturingEndpoint endpoint, Dictionary<string, CapturedRequest> into)
        {
            var requests = new List<CapturedRequest>();
            while (endpoint.Requests.TryDequeue(out var request))
            {
                requests.Add(request);
            }

            Assert.Equal(OperationCatalog.All.Count, requests.Count);
            for (var i = 0; i < requests.Count; i++)
            {
                into[OperationCatalog.All[i].Operation] = requests[i];
            }
        }
    }
}
