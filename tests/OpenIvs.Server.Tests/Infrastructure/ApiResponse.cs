using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>Assertions on API responses: status, the IVS error shape, JSON bodies.</summary>
public static class ApiResponse
{
    public static async Task<JsonNode> OkAsync(this Task<HttpResponseMessage> call, int status = 200)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Headers.Contains("x-amzn-RequestId"));
        return status == 204 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    /// <summary>
    /// Asserts the IVS error shape: status, <c>x-amzn-ErrorType</c>, <c>{"exceptionMessage", "message"}</c> with the
    /// same text (the model's member for the SDKs, <c>message</c> for botocore); returns the message.
    /// </summary>
    public static async Task<string> ErrorAsync(this Task<HttpResponseMessage> call, int status, string errorType)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status} {errorType}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(errorType, response.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.True(response.Headers.Contains("x-amzn-RequestId"));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        Assert.Equal(["exceptionMessage", "message"], document.RootElement.EnumerateObject().Select(p => p.Name));
        var message = document.RootElement.GetProperty("exceptionMessage").GetString()!;
        Assert.Equal(message, document.RootElement.GetProperty("message").GetString());
        return message;
    }
}
