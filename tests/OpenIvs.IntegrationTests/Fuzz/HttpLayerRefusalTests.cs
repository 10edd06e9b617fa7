namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>
/// Replays TestData/http-layer-refusals.json: requests Kestrel refuses before the API runs. They are refused
/// harmlessly, and still in the API's error shape (x-amzn-ErrorType, x-amzn-RequestId, exceptionMessage, message).
/// </summary>
public class HttpLayerRefusalTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    private static JsonArray Saved =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "http-layer-refusals.json")))!["cases"]!.AsArray();

    public static TheoryData<string> Cases() => [.. Saved.Select(c => (string)c!["name"]!)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task IsRefusedAndTheServerLivesOn(string name)
    {
        var saved = Saved.Single(c => (string?)c!["name"] == name)!;
        var target = (string?)saved["targetPrefix"] + string.Concat(Enumerable.Repeat((string)saved["target"]!, (int?)saved["targetRepeat"] ?? 1));

        var response = await RawHttp.SendAsync(_server.Endpoint, new RawRequest((string)saved["method"]!, target, []));

        Assert.Equal((int)saved["status"]!, response.Status);
        Assert.False(string.IsNullOrEmpty(response.Header("x-amzn-ErrorType")), response.ToString());
        Assert.False(string.IsNullOrEmpty(response.Header("x-amzn-RequestId")), response.ToString());
        if (saved["method"]!.ToString() != "HEAD")
        {
            var message = (string?)response.Json?["exceptionMessage"];
            Assert.False(string.IsNullOrEmpty(message), response.ToString());
            Assert.Equal(message, (string?)response.Json?["message"]);
        }

        Assert.True(await _server.IsHealthyAsync(), _server.Output);
    }
}
