using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Auth;

public class LoggingTests
{
    [Fact]
    public async Task EveryCallIsLoggedWithRequestIdAndPrincipalButNoSecretSignatureOrStreamKey()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(logs: logs);
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("viewer", default);
        var key = await iam.CreateAccessKeyAsync("viewer", default);
        server.Services.GetRequiredService<IamDirectory>().Reload();

        using var created = await server.CallAsync("CreateChannel", """{"name":"logged"}""");
        var body = System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var streamKey = (string)body["streamKey"]!["value"]!;
        var passphrase = (string)body["channel"]!["srt"]!["passphrase"]!;
        using var signed = server.Sign("POST", "/ListChannels", "{}", new SigV4Credentials(key.AccessKeyId, key.SecretAccessKey), server.Time.GetUtcNow());
        var signature = signed.Headers.GetValues("Authorization").Single()[^64..];
        using var denied = await server.Http.SendAsync(signed);
        using var wrong = await server.CallAsync("ListChannels", credentials: new(key.AccessKeyId, "not-the-secret"));

        var all = logs.All;
        Assert.Contains(created.Headers.GetValues("x-amzn-RequestId").Single() + " CreateChannel principal=arn:aws:iam::000000000000:root status=200", all);
        Assert.Contains(denied.Headers.GetValues("x-amzn-RequestId").Single() + " ListChannels principal=arn:aws:iam::000000000000:user/viewer status=403", all);
        Assert.Contains("SignatureMismatch", all);
        foreach (var secret in new[] { server.Root.SecretAccessKey, key.SecretAccessKey, streamKey, passphrase, signature, "not-the-secret" })
        {
            Assert.DoesNotContain(secret, all);
        }
    }
}
