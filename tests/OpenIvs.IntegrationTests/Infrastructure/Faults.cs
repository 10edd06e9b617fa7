using System.Text.Json;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>The server's fault injection (<c>--enable-fault-injection</c>): <c>POST/DELETE /_openivs/faults</c>, signed with the root key.</summary>
public static class Faults
{
    /// <summary>Makes the next <paramref name="count"/> calls of <paramref name="operation"/> fail with <paramref name="errorCode"/>.</summary>
    public static async Task InjectAsync(ServerProcess server, string operation, string errorCode, int count = 1, string? message = null)
    {
        var rule = new JsonObject { ["operation"] = operation, ["errorCode"] = errorCode, ["count"] = count };
        if (message is not null)
        {
            rule["message"] = message;
        }

        var response = await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/_openivs/faults", rule.ToJsonString())).ConfigureAwait(false);
        Assert.True(response.Status == 204, $"fault injection refused: {response}");
    }

    public static async Task ClearAsync(ServerProcess server)
    {
        var response = await RawHttp.SendAsync(server.Endpoint, new RawRequest("DELETE", "/_openivs/faults", [])).ConfigureAwait(false);
        Assert.True(response.Status == 204, $"clearing faults failed: {response}");
    }
}
