using System.Text;
using System.Text.Json;

namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>Replays TestData/fuzz-regressions.json: saved inputs that must keep being answered as <see cref="ResponseRules"/> requires.</summary>
public class FuzzRegressionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    private static JsonArray Saved =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "fuzz-regressions.json")))!["cases"]!.AsArray();

    public static TheoryData<string> Cases() => [.. Saved.Select(c => (string)c!["name"]!)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SavedInputIsAnsweredWell(string name)
    {
        var saved = Saved.Single(c => (string?)c!["name"] == name)!;
        var body = saved["bodyBase64"] is JsonValue base64
            ? Convert.FromBase64String((string)base64!)
            : Encoding.UTF8.GetBytes((string?)saved["body"] ?? string.Empty);
        var request = new RawRequest((string)saved["method"]!, (string)saved["target"]!, body)
        {
            ContentType = (string?)saved["contentType"] ?? "application/json",
            Chunked = (bool?)saved["chunked"] ?? false,
        };

        var response = await RawHttp.SendAsync(_server.Endpoint, request);

        ResponseRules.AssertWellFormed(request, response);
        Assert.True(await _server.IsHealthyAsync(), _server.Output);
    }

    [Fact]
    public void EveryCaseHasAUniqueName() =>
        Assert.Equal(Saved.Count, Saved.Select(c => (string?)c!["name"]).Distinct(StringComparer.Ordinal).Count());
}
