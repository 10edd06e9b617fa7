using System.Text;

namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>Requests too big or too deep to generate at random: each must get a modelled 400, and the server must live on.</summary>
public class MalformedRequestTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int TwoMiB = 2 * 1024 * 1024;

    private readonly ServerProcess _server = fixture.Server;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOverTheLimitIsAValidationException(bool chunked)
    {
        var body = Encoding.ASCII.GetBytes("{\"name\":\"" + new string('a', TwoMiB) + "\"}");

        var response = await SendAsync(new RawRequest("POST", "/CreateChannel", body) { Chunked = chunked });

        AssertValidationError(response);
    }

    [Fact]
    public async Task AMemberOfAlmostAMegabyteIsAValidationException()
    {
        var response = await SendAsync(RawRequest.Json("POST", "/CreateChannel", "{\"name\":\"" + new string('n', 1_000_000) + "\"}"));

        AssertValidationError(response);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{\"a\":", "}")]
    public async Task NestingAHundredThousandDeepIsAValidationException(string open, string close)
    {
        var depth = 100_000;
        var body = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));

        var response = await SendAsync(RawRequest.Json("POST", "/ListChannels", body));

        AssertValidationError(response);
    }

    [Fact]
    public async Task TenThousandTagsAreAValidationException()
    {
        var tags = new JsonObject();
        for (var i = 0; i < 10_000; i++)
        {
            tags[$"k{i}"] = "v";
        }

        var response = await SendAsync(RawRequest.Json("POST", "/CreateChannel", new JsonObject { ["tags"] = tags }.ToJsonString()));

        AssertValidationError(response);
    }

    [Fact]
    public async Task FiftyThousandUnknownMembersAreIgnored()
    {
        var body = new StringBuilder("{");
        for (var i = 0; i < 50_000; i++) // about 600 KB, under the 1 MiB body limit
        {
            body.Append("\"u").Append(i).Append("\":0,");
        }

        body.Append("\"maxResults\":1}");
        var request = RawRequest.Json("POST", "/ListChannels", body.ToString());

        var response = await SendAsync(request);

        ResponseRules.AssertWellFormed(request, response);
        Assert.Equal(200, response.Status);
    }

    [Fact]
    public async Task RandomBytesOfEveryLength()
    {
        var random = new Random(20260714);
        foreach (var length in new[] { 1, 2, 3, 7, 64, 1000, 65_537 })
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            var response = await SendAsync(new RawRequest("POST", "/UpdateChannel", bytes));
            AssertValidationError(response);
        }
    }

    private async Task<RawResponse> SendAsync(RawRequest request)
    {
        var response = await RawHttp.SendAsync(_server.Endpoint, request);
        Assert.True(await _server.IsHealthyAsync(), "the server stopped answering:\n" + _server.Output);
        return response;
    }

    private static void AssertValidationError(RawResponse response)
    {
        Assert.True(response.Status == 400, response.ToString());
        Assert.Equal("ValidationException", response.Header("x-amzn-ErrorType"));
        Assert.False(string.IsNullOrEmpty(response.Header("x-amzn-RequestId")));
        Assert.IsType<string>((string?)response.Json?["exceptionMessage"]);
    }
}
