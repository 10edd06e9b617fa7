using System.Text;
using OpenIvs.Protocol.Operations;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

/// <summary>The restJson1 front end: routes, status codes, error shape, limits.</summary>
public class ApiProtocolTests
{
    [Fact]
    public async Task EveryOperationIsRoutedAndAnswersWithAModelledOutcome()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var operation in IvsOperations.All)
        {
            var path = operation.UriTemplate.Replace("{resourceArn}", Uri.EscapeDataString("arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh"), StringComparison.Ordinal);
            using var response = await server.SendAsync(operation.Method, path + (operation.Name == "UntagResource" ? "?tagKeys=a" : string.Empty),
                operation.Method == "POST" ? "{}" : null);
            var status = (int)response.StatusCode;
            var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single() : null;

            Assert.True(status == operation.SuccessCode || (errorType is not null && operation.Errors.Contains(errorType)),
                $"{operation.Name}: {status} {errorType} is neither its success code nor one of its modelled errors");
        }
    }

    [Fact]
    public async Task UnknownOperationIs404WithTheErrorShape()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("CreateChanel").ErrorAsync(404, "UnknownOperationException");

        Assert.Contains("/CreateChanel", message);
    }

    [Fact]
    public async Task WrongMethodOnAKnownPathIs405()
    {
        await using var server = await TestServer.StartAsync();

        await server.SendAsync("GET", "/GetChannel").ErrorAsync(405, "MethodNotAllowedException");
    }

    [Fact]
    public async Task MalformedJsonIsAValidationException()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("CreateChannel", "{\"name\": ").ErrorAsync(400, "ValidationException");

        Assert.StartsWith("Could not parse the request body", message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"text\"")]
    [InlineData("{} {}")]
    public async Task BodyThatIsNotOneJsonObjectIsRefused(string body)
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("ListChannels", body).ErrorAsync(400, "ValidationException");
    }

    [Fact]
    public async Task WrongTypeNamesTheMember()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("ListChannels", """{"maxResults":"ten"}""").ErrorAsync(400, "ValidationException");

        Assert.Contains("maxResults", message);
    }

    [Fact]
    public async Task ConstraintFailureNamesTheMemberAndTheRule()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("CreateChannel", """{"name":"has spaces","latencyMode":"FAST"}""").ErrorAsync(400, "ValidationException");

        Assert.StartsWith("2 validation errors detected:", message);
        Assert.Contains("Value 'has spaces' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]*$", message);
        Assert.Contains("at 'latencyMode' failed to satisfy constraint: Member must satisfy enum value set: [NORMAL, LOW]", message);
    }

    [Fact]
    public async Task MissingRequiredMemberIsNamed()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("GetChannel", "{}").ErrorAsync(400, "ValidationException");

        Assert.Equal("1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null", message);
    }

    [Fact]
    public async Task OutOfRangeAndNestedMembersAreNamedWithTheirPath()
    {
        await using var server = await TestServer.StartAsync();

        var range = await server.CallAsync("ListChannels", """{"maxResults":101}""").ErrorAsync(400, "ValidationException");
        var nested = await server.CallAsync("CreateRecordingConfiguration",
            """{"destinationConfiguration":{"s3":{"bucketName":"UPPER"}},"thumbnailConfiguration":{"targetIntervalSeconds":0}}""").ErrorAsync(400, "ValidationException");

        Assert.Contains("at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", range);
        Assert.Contains("at 'destinationConfiguration.s3.bucketName'", nested);
        Assert.Contains("at 'thumbnailConfiguration.targetIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1", nested);
    }

    [Fact]
    public async Task UnknownMembersAreIgnored()
    {
        await using var server = await TestServer.StartAsync();

        var created = await server.CallAsync("CreateChannel", """{"name":"a","futureMember":{"x":[1,2]},"another":true}""").OkAsync();

        Assert.Equal("a", (string?)created["channel"]!["name"]);
    }

    [Fact]
    public async Task OversizedBodyIsA400NotA500()
    {
        await using var server = await TestServer.StartAsync();
        var huge = "{\"name\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";

        var message = await server.CallAsync("CreateChannel", huge).ErrorAsync(400, "ValidationException");

        Assert.Contains("larger than", message);
    }

    [Fact]
    public async Task DeleteAnswers204WithAnEmptyBody()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;

        using var response = await server.CallAsync("DeleteChannel", $$"""{"arn":"{{arn}}"}""");

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.Headers.Contains("x-amzn-RequestId"));
    }

    [Fact]
    public async Task TagRoutesTakeAPercentEncodedArnAndRepeatedTagKeys()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel", """{"tags":{"a":"1","b":"2","c":"3"}}""").OkAsync())["channel"]!["arn"]!;
        var path = "/tags/" + Uri.EscapeDataString(arn);

        await server.SendAsync("DELETE", path + "?tagKeys=a&tagKeys=c").OkAsync();
        var tags = await server.SendAsync("GET", path).OkAsync();

        Assert.Equal("""{"b":"2"}""", tags["tags"]!.ToJsonString());
    }

    [Fact]
    public async Task EveryResponseHasADistinctRequestId()
    {
        await using var server = await TestServer.StartAsync();

        using var first = await server.CallAsync("ListChannels");
        using var second = await server.CallAsync("NoSuchOperation");

        var a = first.Headers.GetValues("x-amzn-RequestId").Single();
        var b = second.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.True(Guid.TryParse(a, out _));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task BrowserPreflightIsAnsweredWithCors()
    {
        await using var server = await TestServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/ListChannels");
        request.Headers.Add("Origin", "https://app.example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("X-Amz-Date", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
    }

    [Fact]
    public async Task HealthIsOkOnceStarted()
    {
        await using var server = await TestServer.StartAsync();

        // On PostgreSQL a node is "starting" (503) until its first heartbeat gives it its lease.
        using var response = await Eventually.ReturnsAsync(
            () => server.Http.GetAsync("/health"), r => !TestServer.UsesPostgres || r.IsSuccessStatusCode, "the node to hold its lease");

        Assert.Equal(200, (int)response.StatusCode);
        var health = System.Text.Json.Nodes.JsonNode.Parse(Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()))!;
        Assert.Equal("ok", (string?)health["status"]);
        Assert.Equal(TestServer.UsesPostgres ? "postgres" : "sqlite", (string?)health["store"]);
        Assert.Equal(server.Options.Cluster.NodeId, (string?)health["nodeId"]);
        Assert.Equal($"http://{server.Options.Http}/", (string?)health["advertiseUrl"]);
        Assert.Equal(0, (int?)health["liveStreams"]);
    }
}
