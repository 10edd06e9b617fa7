using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Auth;

/// <summary>
/// Authentication and authorization as the real clients meet it: the AWS CLI and @aws-sdk/client-ivs succeed
/// with valid keys and fail with the right error types; the server clock is faked for the replay case.
/// </summary>
public class ClientAuthTests
{
    [Fact]
    public async Task AwsCliSucceedsWithValidKeysAndGetsTheRightErrorOtherwise()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var (readerId, readerSecret) = await UserAsync(server, "reader", """{"Effect":"Allow","Action":"ivs:List*","Resource":"*"}""");
        var root = server.Root;

        var ok = await RealClients.AwsAsync(server, root.AccessKeyId, root.SecretAccessKey, "create-channel", "--name", "cli");
        var none = await RealClients.AwsAsync(server, root.AccessKeyId, null, "list-channels");
        var unknown = await RealClients.AwsAsync(server, "AKIAUNKNOWNUNKNOWN00", "whatever", "list-channels");
        var wrong = await RealClients.AwsAsync(server, root.AccessKeyId, "not-the-secret", "list-channels");
        var allowed = await RealClients.AwsAsync(server, readerId, readerSecret, "list-channels");
        var denied = await RealClients.AwsAsync(server, readerId, readerSecret, "create-channel");
        await using var proxy = new TamperingProxy(server.BaseAddress, "\"signed\"", "\"forged\"");
        var tampered = await RealClients.AwsAsync(server, proxy.Address, root.AccessKeyId, root.SecretAccessKey, "create-channel", "--name", "signed");
        clock.Advance(TimeSpan.FromMinutes(6)); // the CLI signs with the real time: to the server it is six minutes old
        var replayed = await RealClients.AwsAsync(server, root.AccessKeyId, root.SecretAccessKey, "list-channels");

        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Equal("cli", (string?)JsonNode.Parse(ok.Output)!["channel"]!["name"]);
        Assert.Contains("(MissingAuthenticationTokenException)", none.Error);
        Assert.Contains("(UnrecognizedClientException)", unknown.Error);
        Assert.Contains("(InvalidSignatureException)", wrong.Error);
        Assert.True(allowed.ExitCode == 0, allowed.Error);
        Assert.Contains("(AccessDeniedException)", denied.Error);
        Assert.Equal(1, proxy.Tampered);
        Assert.Contains("(InvalidSignatureException)", tampered.Error);
        Assert.Contains("(InvalidSignatureException)", replayed.Error);
        Assert.All(new[] { none, unknown, wrong, denied, tampered, replayed }, r => Assert.NotEqual(0, r.ExitCode));
    }

    [Fact]
    public async Task JavaScriptSdkSucceedsWithValidKeysAndGetsTheRightErrorOtherwise()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var (readerId, readerSecret) = await UserAsync(server, "reader", """{"Effect":"Allow","Action":"ivs:List*","Resource":"*"}""");
        var root = RealClients.Credentials(server.Root.AccessKeyId, server.Root.SecretAccessKey);
        (string, JsonObject)[] list = [("ListChannels", new JsonObject())];
        (string, JsonObject)[] create = [("CreateChannel", new JsonObject { ["name"] = "js" })];

        var ok = (await RealClients.JsSdkAsync(server, root, create))[0]!;
        var none = (await RealClients.JsSdkAsync(server, null, list, unsigned: true))[0]!;
        var unknown = (await RealClients.JsSdkAsync(server, RealClients.Credentials("AKIAUNKNOWNUNKNOWN00", "whatever"), list))[0]!;
        var wrong = (await RealClients.JsSdkAsync(server, RealClients.Credentials(server.Root.AccessKeyId, "not-the-secret"), list))[0]!;
        var allowed = (await RealClients.JsSdkAsync(server, RealClients.Credentials(readerId, readerSecret), list))[0]!;
        var denied = (await RealClients.JsSdkAsync(server, RealClients.Credentials(readerId, readerSecret), create))[0]!;
        await using var proxy = new TamperingProxy(server.BaseAddress, "\"js\"", "\"xx\"");
        var tampered = (await RealClients.JsSdkAsync(server, root, create, endpoint: proxy.Address))[0]!;
        clock.Advance(TimeSpan.FromMinutes(6));
        var replayed = (await RealClients.JsSdkAsync(server, root, list))[0]!;

        Assert.True((bool)ok["ok"]!, ok.ToJsonString());
        Assert.Equal("js", (string?)ok["output"]!["channel"]!["name"]);
        Assert.Equal("MissingAuthenticationTokenException", (string?)none["error"]!["name"]);
        Assert.Equal("UnrecognizedClientException", (string?)unknown["error"]!["name"]);
        Assert.Equal("InvalidSignatureException", (string?)wrong["error"]!["name"]);
        Assert.True((bool)allowed["ok"]!, allowed.ToJsonString());
        Assert.Equal("AccessDeniedException", (string?)denied["error"]!["name"]);
        Assert.Equal("InvalidSignatureException", (string?)replayed["error"]!["name"]);
        Assert.Equal(1, proxy.Tampered);
        Assert.Equal("InvalidSignatureException", (string?)tampered["error"]!["name"]);
    }

    [Fact]
    public async Task PresignedGetChannelFromTheJavaScriptSignerWorksUntilItExpires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(time: clock);
        var arn = (string)(await server.CallAsync("CreateChannel", """{"name":"presigned"}""").OkAsync())["channel"]!["arn"]!;
        var body = $$"""{"arn":"{{arn}}"}""";
        var url = await RealClients.JsPresignAsync(server, RealClients.Credentials(server.Root.AccessKeyId, server.Root.SecretAccessKey), "GetChannel", body, 300);

        HttpRequestMessage Request() => new(HttpMethod.Post, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        var first = await server.Http.SendAsync(Request()).OkAsync();
        clock.Advance(TimeSpan.FromMinutes(4));
        await server.Http.SendAsync(Request()).OkAsync();
        clock.Advance(TimeSpan.FromMinutes(2));
        var message = await server.Http.SendAsync(Request()).ErrorAsync(403, "InvalidSignatureException");

        Assert.Contains("X-Amz-Signature=", url);
        Assert.Equal("presigned", (string?)first["channel"]!["name"]);
        Assert.Contains("expired", message);
    }

    private static async Task<(string Id, string Secret)> UserAsync(TestServer server, string name, string statement)
    {
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync(name, default);
        await iam.PutPolicyAsync(name, """{"Version":"2012-10-17","Statement":""" + statement + "}", default);
        await iam.AttachPolicyAsync(name, name, default);
        var key = await iam.CreateAccessKeyAsync(name, default);
        server.Services.GetRequiredService<IamDirectory>().Reload();
        return (key.AccessKeyId, key.SecretAccessKey);
    }
}
