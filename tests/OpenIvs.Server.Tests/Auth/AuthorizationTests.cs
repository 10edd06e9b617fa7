using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Protocol.Auth;
using OpenIvs.Protocol.Operations;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Auth;

/// <summary>IAM policies applied to API calls: actions, resources, and IVS's tag condition keys.</summary>
public class AuthorizationTests
{
    [Fact]
    public async Task EveryOperationHasAnIamResourceMapping()
    {
        foreach (var operation in IvsOperations.All)
        {
            var input = Activator.CreateInstance(operation.InputType)!;
            var access = OperationResources.Describe(operation, input);

            Assert.NotNull(access);
        }

        await Task.CompletedTask;
    }

    [Fact]
    public async Task DeniedCallNamesPrincipalActionAndResource()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        var user = await server.UserWithPolicyAsync("reader", """{"Effect":"Allow","Action":["ivs:List*"],"Resource":"*"}""");

        await server.CallAsync("ListChannels", credentials: user).OkAsync();
        var message = await server.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""", user).ErrorAsync(403, "AccessDeniedException");
        var create = await server.CallAsync("CreateChannel", credentials: user).ErrorAsync(403, "AccessDeniedException");

        Assert.Equal($"User: arn:aws:iam::000000000000:user/reader is not authorized to perform: ivs:GetChannel on resource: {arn}", message);
        Assert.EndsWith("ivs:CreateChannel on resource: *", create);
    }

    [Fact]
    public async Task UserWithoutPoliciesCanDoNothingAndRootCanDoEverything()
    {
        await using var server = await TestServer.StartAsync();
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("nobody", default);
        var key = await iam.CreateAccessKeyAsync("nobody", default);
        server.Services.GetRequiredService<IamDirectory>().Reload();

        await server.CallAsync("ListChannels", credentials: new(key.AccessKeyId, key.SecretAccessKey)).ErrorAsync(403, "AccessDeniedException");
        await server.CallAsync("ListChannels").OkAsync();
    }

    [Fact]
    public async Task ResourceTagConditionAppliesToEveryTaggableResourceType()
    {
        await using var server = await TestServer.StartAsync();
        var tagged = await CreateEveryResourceAsync(server, """{"env":"prod"}""");
        var untagged = await CreateEveryResourceAsync(server, """{"env":"dev"}""");
        var user = await server.UserWithPolicyAsync("prod-only",
            """{"Effect":"Allow","Action":"ivs:Get*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}""");

        foreach (var (getOperation, arn) in tagged)
        {
            await server.CallAsync(getOperation, $$"""{"arn":"{{arn}}"}""", user).OkAsync();
        }

        foreach (var (getOperation, arn) in untagged)
        {
            await server.CallAsync(getOperation, $$"""{"arn":"{{arn}}"}""", user).ErrorAsync(403, "AccessDeniedException");
        }
    }

    [Fact]
    public async Task RequestTagAndTagKeysConditionsApplyToCreateAndTagOperations()
    {
        await using var server = await TestServer.StartAsync();
        var user = await server.UserWithPolicyAsync("tagger", """
            [{"Effect":"Allow","Action":["ivs:Create*","ivs:ImportPlaybackKeyPair","ivs:TagResource"],"Resource":"*",
              "Condition":{"StringEquals":{"aws:RequestTag/team":"video"},"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}},
             {"Effect":"Allow","Action":"ivs:UntagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}}]
            """);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var creates = new[]
        {
            ("CreateChannel", "{{TAGS}}"),
            ("CreateRecordingConfiguration", "\"destinationConfiguration\":{\"s3\":{\"bucketName\":\"b-1\"}},{{TAGS}}"),
            ("CreatePlaybackRestrictionPolicy", "{{TAGS}}"),
            ("CreateAdConfiguration", "\"mediaTailorPlaybackConfigurations\":[{\"playbackConfigurationArn\":\"arn:aws:mediatailor:us-west-2:0:playbackConfiguration/x\"}],{{TAGS}}"),
            ("ImportPlaybackKeyPair", "\"publicKeyMaterial\":" + JsonValue.Create(key.ExportSubjectPublicKeyInfoPem()).ToJsonString() + ",{{TAGS}}"),
        };
        string? channelArn = null;
        foreach (var (operation, template) in creates)
        {
            string Body(string tags) => "{" + template.Replace("{{TAGS}}", "\"tags\":" + tags, StringComparison.Ordinal) + "}";
            await server.CallAsync(operation, Body("""{"team":"audio"}"""), user).ErrorAsync(403, "AccessDeniedException");
            await server.CallAsync(operation, Body("""{"team":"video","cost":"x"}"""), user).ErrorAsync(403, "AccessDeniedException");
            var created = await server.CallAsync(operation, Body("""{"team":"video","env":"prod"}"""), user).OkAsync();
            channelArn ??= (string?)created["channel"]?["arn"];
        }

        var path = "/tags/" + Uri.EscapeDataString(channelArn!);
        await server.SendAsync("POST", path, """{"tags":{"team":"video","env":"dev"}}""", user).OkAsync();
        await server.SendAsync("POST", path, """{"tags":{"team":"video","owner":"me"}}""", user).ErrorAsync(403, "AccessDeniedException");
        await server.SendAsync("DELETE", path + "?tagKeys=env", credentials: user).OkAsync();
        await server.SendAsync("DELETE", path + "?tagKeys=team", credentials: user).ErrorAsync(403, "AccessDeniedException");
    }

    [Fact]
    public async Task ExplicitDenyOnATaggedChannelOverridesAnAllowAll()
    {
        await using var server = await TestServer.StartAsync();
        var locked = (string)(await server.CallAsync("CreateChannel", """{"tags":{"locked":"true"}}""").OkAsync())["channel"]!["arn"]!;
        var open = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        var user = await server.UserWithPolicyAsync("operator", """
            [{"Effect":"Allow","Action":"ivs:*","Resource":"*"},
             {"Effect":"Deny","Action":["ivs:DeleteChannel","ivs:UpdateChannel"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/locked":"true"}}}]
            """);

        await server.CallAsync("UpdateChannel", $$"""{"arn":"{{locked}}","name":"x"}""", user).ErrorAsync(403, "AccessDeniedException");
        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{locked}}"}""", user).ErrorAsync(403, "AccessDeniedException");
        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{open}}"}""", user).OkAsync(204);
    }

    [Fact]
    public async Task BatchOperationsAuthorizeEachItem()
    {
        await using var server = await TestServer.StartAsync();
        var allowed = (string)(await server.CallAsync("CreateChannel", """{"tags":{"env":"prod"}}""").OkAsync())["channel"]!["arn"]!;
        var other = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        var user = await server.UserWithPolicyAsync("batcher", """
            {"Effect":"Allow","Action":["ivs:BatchGetChannel","ivs:BatchStartViewerSessionRevocation"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}
            """);

        var result = await server.CallAsync("BatchGetChannel", $$"""{"arns":["{{allowed}}","{{other}}"]}""", user).OkAsync();
        var revocation = await server.CallAsync("BatchStartViewerSessionRevocation",
            $$"""{"viewerSessions":[{"channelArn":"{{allowed}}","viewerId":"a"},{"channelArn":"{{other}}","viewerId":"b"}]}""", user).OkAsync();

        Assert.Equal(allowed, (string?)result["channels"]!.AsArray().Single()!["arn"]);
        Assert.Equal("AccessDeniedException", (string?)result["errors"]!.AsArray().Single()!["code"]);
        Assert.Equal(other, (string?)revocation["errors"]!.AsArray().Single()!["channelArn"]);
        Assert.Equal("403", (string?)revocation["errors"]![0]!["code"]);
    }

    [Fact]
    public async Task FaultInjectionNeedsTheRootKey()
    {
        await using var server = await TestServer.StartAsync(o => o.EnableFaultInjection = true);
        var user = await server.UserWithPolicyAsync("tester", """{"Effect":"Allow","Action":"*","Resource":"*"}""");
        const string rule = """{"operation":"ListChannels","errorCode":"ThrottlingException","count":1}""";

        await server.SendAsync("POST", "/_openivs/faults", rule, user).ErrorAsync(403, "AccessDeniedException");
        using (var unsigned = await server.Http.PostAsync("/_openivs/faults", new StringContent(rule)))
        {
            Assert.Equal(403, (int)unsigned.StatusCode);
        }

        using (var added = await server.SendAsync("POST", "/_openivs/faults", rule))
        {
            Assert.Equal(204, (int)added.StatusCode);
        }

        await server.CallAsync("ListChannels").ErrorAsync(429, "ThrottlingException");
        await server.CallAsync("ListChannels").OkAsync();
    }

    /// <summary>One resource of every taggable type, with the tags; returns (Get operation, ARN) pairs.</summary>
    private static async Task<List<(string Operation, string Arn)>> CreateEveryResourceAsync(TestServer server, string tags)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var channel = await server.CallAsync("CreateChannel", $$"""{"tags":{{tags}}}""").OkAsync();
        var streamKeyArn = (string)channel["streamKey"]!["arn"]!;
        await server.SendAsync("POST", "/tags/" + Uri.EscapeDataString(streamKeyArn), $$"""{"tags":{{tags}}}""").OkAsync();
        return
        [
            ("GetChannel", (string)channel["channel"]!["arn"]!),
            ("GetStreamKey", streamKeyArn),
            ("GetPlaybackKeyPair", (string)(await server.CallAsync("ImportPlaybackKeyPair", "{\"publicKeyMaterial\":" + JsonValue.Create(key.ExportSubjectPublicKeyInfoPem()).ToJsonString() + ",\"tags\":" + tags + "}").OkAsync())["keyPair"]!["arn"]!),
            ("GetRecordingConfiguration", (string)(await server.CallAsync("CreateRecordingConfiguration", """{"destinationConfiguration":{"s3":{"bucketName":"b-1"}},"tags":""" + tags + "}").OkAsync())["recordingConfiguration"]!["arn"]!),
            ("GetPlaybackRestrictionPolicy", (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy", $$"""{"tags":{{tags}}}""").OkAsync())["playbackRestrictionPolicy"]!["arn"]!),
            ("GetAdConfiguration", (string)(await server.CallAsync("CreateAdConfiguration", """{"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:0:playbackConfiguration/x"}],"tags":""" + tags + "}").OkAsync())["adConfiguration"]!["arn"]!),
        ];
    }
}
