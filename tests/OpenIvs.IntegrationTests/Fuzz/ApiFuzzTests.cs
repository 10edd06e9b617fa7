using System.Collections.Concurrent;
using CsCheck;
using Xunit.Abstractions;

namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>
/// A server for fuzzing, with real resources of every kind whose ARNs the generators mix in. Fuzzed requests
/// delete and change them, so <see cref="RefreshAsync"/> tops the set up again before each test.
/// </summary>
public sealed class FuzzServerFixture : ServerFixture
{
    public List<string> KnownArns { get; } = [];

    // Every request logged: when a fuzzed request brings the server down, its output shows the last ones.
    protected override ServerOptions Options => new() { LogLevel = "Information" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await RefreshAsync();
    }

    /// <summary>Finds (or creates) two channels with stream keys and one resource of every other kind.</summary>
    public async Task RefreshAsync()
    {
        KnownArns.Clear();
        var channels = await ListArnsAsync("ListChannels", "channels");
        while (channels.Count < 2)
        {
            channels.Add((string)(await CallAsync("CreateChannel", new JsonObject { ["name"] = "fuzz", ["tags"] = new JsonObject { ["k"] = "v" } }))["channel"]!["arn"]!);
        }

        foreach (var channel in channels.Take(2))
        {
            KnownArns.Add(channel);
            var keys = await ListArnsAsync("ListStreamKeys", "streamKeys", new JsonObject { ["channelArn"] = channel });
            KnownArns.Add(keys.Count > 0 ? keys[0] : (string)(await CallAsync("CreateStreamKey", new JsonObject { ["channelArn"] = channel }))["streamKey"]!["arn"]!);
        }

        await AddOneAsync("ListRecordingConfigurations", "recordingConfigurations", "CreateRecordingConfiguration", "recordingConfiguration",
            new JsonObject { ["destinationConfiguration"] = new JsonObject { ["s3"] = new JsonObject { ["bucketName"] = "fuzz-bucket" } } });
        await AddOneAsync("ListPlaybackRestrictionPolicies", "playbackRestrictionPolicies", "CreatePlaybackRestrictionPolicy", "playbackRestrictionPolicy", []);
        await AddOneAsync("ListAdConfigurations", "adConfigurations", "CreateAdConfiguration", "adConfiguration", new JsonObject
        {
            ["mediaTailorPlaybackConfigurations"] = new JsonArray(new JsonObject { ["playbackConfigurationArn"] = "arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/f" }),
        });
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        await AddOneAsync("ListPlaybackKeyPairs", "keyPairs", "ImportPlaybackKeyPair", "keyPair", new JsonObject { ["publicKeyMaterial"] = key.ExportSubjectPublicKeyInfoPem() });
    }

    private async Task AddOneAsync(string list, string listMember, string create, string createMember, JsonObject input)
    {
        var existing = await ListArnsAsync(list, listMember);
        KnownArns.Add(existing.Count > 0 ? existing[0] : (string)(await CallAsync(create, input))[createMember]!["arn"]!);
    }

    private async Task<List<string>> ListArnsAsync(string operation, string member, JsonObject? input = null)
    {
        input ??= [];
        input["maxResults"] = 2;
        return [.. (await CallAsync(operation, input))[member]!.AsArray().Select(item => (string)item!["arn"]!)];
    }

    private async Task<JsonObject> CallAsync(string operation, JsonObject input)
    {
        var response = await RawHttp.SendAsync(Server.Endpoint, RawRequest.Json("POST", "/" + operation, input.ToJsonString()));
        Assert.True(response.Status == 200, $"{operation}: {response}");
        return response.Json!;
    }
}

/// <summary>
/// Property tests over raw HTTP: whatever is sent to any operation (random and malformed JSON, oversized
/// members, invalid ARNs, wrong JSON types, deep nesting, invalid UTF-8, unknown members), with wrong methods or
/// to random paths, the server answers as <see cref="ResponseRules"/> requires and keeps running. Inputs that
/// once failed are replayed from TestData/fuzz-regressions.json by <see cref="FuzzRegressionTests"/>.
/// </summary>
public class ApiFuzzTests(FuzzServerFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>, IAsyncLifetime
{
    private readonly ServerProcess _server = fixture.Server;
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private RequestGenerators _generators = null!;

    public async Task InitializeAsync()
    {
        await fixture.RefreshAsync();
        _generators = new RequestGenerators(IvsModel.Instance, [.. fixture.KnownArns]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Multiplies every iteration count: OPENIVS_FUZZ_SCALE=20 for a long local run (default 1).</summary>
    private static int Scale => int.TryParse(Environment.GetEnvironmentVariable("OPENIVS_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : 1;

    public static TheoryData<string> Operations() => [.. IvsModel.Instance.Operations.Select(o => o.Name)];

    [Fact]
    public void TheModelHasEveryOperation() => Assert.Equal(41, IvsModel.Instance.Operations.Count);

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task ModelShapedInputs(string operation)
    {
        await _generators.ForOperation(IvsModel.Instance.Operation(operation)).SampleAsync(SendAndCheckAsync, iter: 60 * Scale, threads: 2, print: r => r.ToString());
        await AssertAliveAsync();
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task DamagedBodies(string operation)
    {
        await _generators.DamagedBody(IvsModel.Instance.Operation(operation)).SampleAsync(SendAndCheckAsync, iter: 25 * Scale, threads: 2, print: r => r.ToString());
        await AssertAliveAsync();
    }

    [Fact]
    public async Task WrongMethods()
    {
        await _generators.WrongMethod.SampleAsync(SendAndCheckAsync, iter: 200 * Scale, threads: 2, print: r => r.ToString());
        await AssertAliveAsync();
    }

    [Fact]
    public async Task RandomPaths()
    {
        await _generators.RandomPath.SampleAsync(SendAndCheckAsync, iter: 200 * Scale, threads: 2, print: r => r.ToString());
        await AssertAliveAsync();
    }

    private async Task SendAndCheckAsync(RawRequest request)
    {
        RawResponse response;
        try
        {
            response = await RawHttp.SendAsync(_server.Endpoint, request);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            throw new Xunit.Sdk.XunitException(
                $"no answer to {request}: {e.Message}\nthe server {_server.DescribeExit(TimeSpan.FromSeconds(10))}; its output:\n{_server.Output}");
        }

        ResponseRules.AssertWellFormed(request, response);
        _outcomes.AddOrUpdate($"{response.Status} {response.Header("x-amzn-ErrorType")}".TrimEnd(), 1, (_, n) => n + 1);
    }

    private async Task AssertAliveAsync()
    {
        output.WriteLine("outcomes: " + string.Join(", ", _outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} x{o.Value}")));
        Assert.False(_server.HasExited, "the server process died:\n" + _server.Output);
        Assert.True(await _server.IsHealthyAsync(), "the server stopped answering /health:\n" + _server.Output);
    }
}
