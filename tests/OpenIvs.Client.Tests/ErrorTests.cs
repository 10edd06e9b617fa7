using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>restJson1 error responses: modelled codes become their exception type, anything else an <see cref="IvsException"/> with its code and message.</summary>
public sealed class ErrorTests
{
    private static readonly GetChannelRequest Get = new() { Arn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh" };

    public static TheoryData<string, int, Type> ModelledErrors() => new()
    {
        { "AccessDeniedException", 403, typeof(AccessDeniedException) },
        { "ChannelNotBroadcasting", 404, typeof(ChannelNotBroadcasting) },
        { "ConflictException", 409, typeof(ConflictException) },
        { "PendingVerification", 403, typeof(PendingVerification) },
        { "ResourceNotFoundException", 404, typeof(ResourceNotFoundException) },
        { "ServiceQuotaExceededException", 402, typeof(ServiceQuotaExceededException) },
        { "ValidationException", 400, typeof(ValidationException) },
    };

    [Theory]
    [MemberData(nameof(ModelledErrors))]
    public async Task ModelledErrorBecomesItsType(string code, int status, Type type)
    {
        var handler = new ScriptedHandler().Respond(status, """{"exceptionMessage":"it failed"}""", code, "req-42");
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAnyAsync<IvsException>(() => client.GetChannelAsync(Get));

        Assert.IsType(type, error);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("it failed", error.Message);
        Assert.Equal("req-42", error.RequestId);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task UnmodelledCodeSurfacesWithItsCodeAndMessage()
    {
        var handler = new ScriptedHandler().Respond(418, """{"message":"short and stout"}""", "TeapotException:http://internal.amazon.com/coral/");
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<IvsException>(() => client.GetChannelAsync(Get));

        Assert.Equal("TeapotException", error.ErrorCode);
        Assert.Equal("short and stout", error.Message);
        Assert.Equal(418, error.StatusCode);
        Assert.Equal(IvsErrorFault.Client, error.Fault);
    }

    [Theory]
    [InlineData("""{"__type":"com.amazonaws.ivs#ConflictException","Message":"busy"}""", null)]
    [InlineData("""{"code":"ConflictException","message":"busy"}""", null)]
    [InlineData("""{"exceptionMessage":"ignored"}""", "aws.protocoltests#ConflictException:http://x")]
    public async Task CodeFromBodyOrSanitizedHeader(string body, string? header)
    {
        var handler = new ScriptedHandler().Respond(409, body, header);
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<ConflictException>(() => client.GetChannelAsync(Get));
        Assert.Equal("ConflictException", error.ErrorCode);
    }

    [Fact]
    public async Task MessageFromTheHeaderWhenTheBodyHasNone()
    {
        var handler = new ScriptedHandler().Then((_, _) =>
        {
            var response = ScriptedHandler.Response(400, string.Empty, "ValidationException");
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorMessage", "from header");
            return Task.FromResult(response);
        });
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<ValidationException>(() => client.GetChannelAsync(Get));
        Assert.Equal("from header", error.Message);
    }

    [Fact]
    public async Task NonJsonErrorWithoutCodeIsStillAnIvsException()
    {
        var handler = new ScriptedHandler().Respond(502, "<html>bad gateway</html>", null, null)
            .Respond(502, "<html>bad gateway</html>", null, null)
            .Respond(502, "<html>bad gateway</html>", null, null);
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<IvsException>(() => client.GetChannelAsync(Get));

        Assert.Equal(502, error.StatusCode);
        Assert.Equal("InternalFailure", error.ErrorCode);
        Assert.Equal(IvsErrorFault.Server, error.Fault);
        Assert.True(error.IsTransient);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task UnreadableSuccessBodyIsAnInvalidResponse()
    {
        var handler = new ScriptedHandler().Respond(200, "{not json");
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<IvsException>(() => client.GetChannelAsync(Get));
        Assert.Equal("InvalidResponse", error.ErrorCode);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task ResponseHeaderMembersAreRead()
    {
        var handler = new ScriptedHandler().Then((_, _) =>
        {
            var response = ScriptedHandler.Response(200, """{"channels":[{"arn":"a"}],"errors":[]}""");
            response.Headers.TryAddWithoutValidation("Cache-Control", "no-store");
            response.Headers.TryAddWithoutValidation("Strict-Transport-Security", "max-age=47304000");
            return Task.FromResult(response);
        });
        using var client = TestClients.Create(handler, delays: []);

        var output = await client.BatchGetChannelAsync(new() { Arns = ["a"] });

        Assert.Equal("a", output.Channels!.Single().Arn);
        Assert.Equal("no-store", output.CacheControl);
        Assert.Equal("max-age=47304000", output.StrictTransportSecurity);
    }

    [Fact]
    public async Task MissingUriLabelIsRejectedBeforeSending()
    {
        var handler = new ScriptedHandler();
        using var client = TestClients.Create(handler, delays: []);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ListTagsForResourceAsync(new()));
        Assert.Contains("resourceArn", error.Message);
        Assert.Empty(handler.Requests);
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.GetChannelAsync(null!));
    }

    [Fact]
    public async Task NoSecretInAnyExceptionMessage()
    {
        const string secret = "super-secret-key-value";
        const string token = "super-secret-session";
        var handler = new ScriptedHandler().Respond(403, """{"exceptionMessage":"denied"}""", "AccessDeniedException");
        using var client = TestClients.Create(handler, o => o.Credentials = new("AKIDX", secret, token), []);

        var error = await Assert.ThrowsAsync<AccessDeniedException>(() => client.GetChannelAsync(Get));

        Assert.DoesNotContain(secret, error.ToString());
        Assert.DoesNotContain(token, error.ToString());
    }
}
