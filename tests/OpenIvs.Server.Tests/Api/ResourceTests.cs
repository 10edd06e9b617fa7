using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

public class ResourceTests
{
    [Fact]
    public async Task RecordingConfigurationStartsCreatingAndBecomesActive()
    {
        await using var server = await TestServer.StartAsync();

        var created = (await server.CallAsync("CreateRecordingConfiguration", """{"destinationConfiguration":{"s3":{"bucketName":"recordings"}}}""").OkAsync())["recordingConfiguration"]!;
        var arn = (string)created["arn"]!;
        var state = "CREATING";
        for (var attempt = 0; attempt < 100 && state == "CREATING"; attempt++)
        {
            state = (string)(await server.CallAsync("GetRecordingConfiguration", $$"""{"arn":"{{arn}}"}""").OkAsync())["recordingConfiguration"]!["state"]!;
            if (state == "CREATING")
            {
                await Task.Delay(20);
            }
        }

        Assert.Equal("CREATING", (string?)created["state"]);
        Assert.Equal("ACTIVE", state);
        Assert.Equal("INTERVAL", (string?)created["thumbnailConfiguration"]!["recordingMode"]);
        Assert.Equal(60, (int)created["thumbnailConfiguration"]!["targetIntervalSeconds"]!);
        Assert.Equal("""["SEQUENTIAL"]""", created["thumbnailConfiguration"]!["storage"]!.ToJsonString());
        Assert.Equal("ALL", (string?)created["renditionConfiguration"]!["renditionSelection"]);
        Assert.Equal(0, (int)created["recordingReconnectWindowSeconds"]!);
        Assert.True(Directory.Exists(Path.Combine(server.DataDirectory, "s3", "recordings")));
    }

    [Fact]
    public async Task RecordingConfigurationInUseCannotBeDeleted()
    {
        await using var server = await TestServer.StartAsync();
        var config = (string)(await server.CallAsync("CreateRecordingConfiguration", """{"destinationConfiguration":{"s3":{"bucketName":"b-1"}}}""").OkAsync())["recordingConfiguration"]!["arn"]!;
        var channel = (string)(await server.CallAsync("CreateChannel", $$"""{"recordingConfigurationArn":"{{config}}"}""").OkAsync())["channel"]!["arn"]!;

        await server.CallAsync("DeleteRecordingConfiguration", $$"""{"arn":"{{config}}"}""").ErrorAsync(409, "ConflictException");
        await server.CallAsync("UpdateChannel", $$"""{"arn":"{{channel}}","recordingConfigurationArn":""}""").OkAsync();
        await server.CallAsync("DeleteRecordingConfiguration", $$"""{"arn":"{{config}}"}""").OkAsync(204);
    }

    [Fact]
    public async Task RecordingConfigurationQuotaIsConfigurable()
    {
        await using var server = await TestServer.StartAsync(o => o.Quotas.RecordingConfigurations = 1);
        const string body = """{"destinationConfiguration":{"s3":{"bucketName":"b-1"}}}""";

        await server.CallAsync("CreateRecordingConfiguration", body).OkAsync();
        await server.CallAsync("CreateRecordingConfiguration", body).ErrorAsync(402, "ServiceQuotaExceededException");
    }

    [Fact]
    public async Task ImportPlaybackKeyPairAcceptsOnlyP384PublicKeys()
    {
        await using var server = await TestServer.StartAsync();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var pem = p384.ExportSubjectPublicKeyInfoPem();

        var imported = (await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = pem, ["name"] = "k1" })).OkAsync())["keyPair"]!;
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = p256.ExportSubjectPublicKeyInfoPem() })).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = rsa.ExportSubjectPublicKeyInfoPem() })).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = p384.ExportECPrivateKeyPem() })).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = "not a key" })).ErrorAsync(400, "ValidationException");
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = pem })).ErrorAsync(409, "ConflictException");

        var expected = string.Join(':', MD5.HashData(p384.ExportSubjectPublicKeyInfo()).Select(b => b.ToString("x2")));
        Assert.Equal(expected, (string?)imported["fingerprint"]);
        Assert.Matches(@"^arn:aws:ivs:us-west-2:000000000000:playback-key/[a-zA-Z0-9]{12}$", (string)imported["arn"]!);
    }

    [Fact]
    public async Task FourthPlaybackKeyPairExceedsTheDefaultQuota()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = key.ExportSubjectPublicKeyInfoPem() })).OkAsync();
        }

        using var fourth = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = fourth.ExportSubjectPublicKeyInfoPem() })).ErrorAsync(402, "ServiceQuotaExceededException");
    }

    [Fact]
    public async Task PlaybackRestrictionPolicyLifecycle()
    {
        await using var server = await TestServer.StartAsync();
        var policy = (await server.CallAsync("CreatePlaybackRestrictionPolicy", """{"allowedCountries":["US"],"name":"p"}""").OkAsync())["playbackRestrictionPolicy"]!;
        var arn = (string)policy["arn"]!;
        var channel = (string)(await server.CallAsync("CreateChannel", $$"""{"playbackRestrictionPolicyArn":"{{arn}}"}""").OkAsync())["channel"]!["arn"]!;

        var updated = (await server.CallAsync("UpdatePlaybackRestrictionPolicy", $$"""{"arn":"{{arn}}","allowedOrigins":["https://a.example"]}""").OkAsync())["playbackRestrictionPolicy"]!;
        await server.CallAsync("DeletePlaybackRestrictionPolicy", $$"""{"arn":"{{arn}}"}""").ErrorAsync(409, "ConflictException");
        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{channel}}"}""").OkAsync(204);
        await server.CallAsync("DeletePlaybackRestrictionPolicy", $$"""{"arn":"{{arn}}"}""").OkAsync(204);

        Assert.Equal("[]", policy["allowedOrigins"]!.ToJsonString());
        Assert.False((bool)policy["enableStrictOriginEnforcement"]!);
        Assert.Equal("""["US"]""", updated["allowedCountries"]!.ToJsonString());
        Assert.Equal("""["https://a.example"]""", updated["allowedOrigins"]!.ToJsonString());
    }

    [Fact]
    public async Task AdConfigurationLifecycleIncludingPostRoll()
    {
        await using var server = await TestServer.StartAsync();
        const string mediaTailor = """[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/demo"}]""";
        var created = (await server.CallAsync("CreateAdConfiguration", "{\"mediaTailorPlaybackConfigurations\":" + mediaTailor + ",\"postRollConfiguration\":{\"durationSeconds\":30,\"enabled\":true}}").OkAsync())["adConfiguration"]!;
        var arn = (string)created["arn"]!;

        var updated = (await server.CallAsync("UpdateAdConfiguration", $$"""{"arn":"{{arn}}","name":"renamed"}""").OkAsync())["adConfiguration"]!;
        var channel = (string)(await server.CallAsync("CreateChannel", $$"""{"adConfigurationArn":"{{arn}}"}""").OkAsync())["channel"]!["arn"]!;
        await server.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{channel}}","durationSeconds":30}""").ErrorAsync(404, "ChannelNotBroadcasting");
        await server.CallAsync("DeleteAdConfiguration", $$"""{"arn":"{{arn}}"}""").ErrorAsync(409, "ConflictException");

        Assert.Equal("renamed", (string?)updated["name"]);
        Assert.Equal(30, (int)updated["postRollConfiguration"]!["durationSeconds"]!);
        await server.CallAsync("CreateAdConfiguration", $$"""{"mediaTailorPlaybackConfigurations":[]}""").ErrorAsync(400, "ValidationException");
    }

    [Fact]
    public async Task ViewerSessionRevocationsAreRecordedAndBatchReportsMissingChannels()
    {
        await using var server = await TestServer.StartAsync();
        var channel = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        const string missing = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";

        await server.CallAsync("StartViewerSessionRevocation", $$"""{"channelArn":"{{channel}}","viewerId":"v1","viewerSessionVersionsLessThanOrEqualTo":5}""").OkAsync();
        await server.CallAsync("StartViewerSessionRevocation", $$"""{"channelArn":"{{missing}}","viewerId":"v1"}""").ErrorAsync(404, "ResourceNotFoundException");
        var batch = await server.CallAsync("BatchStartViewerSessionRevocation",
            $$"""{"viewerSessions":[{"channelArn":"{{channel}}","viewerId":"v2"},{"channelArn":"{{missing}}","viewerId":"v3"}]}""").OkAsync();

        var revocations = server.Services.GetRequiredService<OpenIvs.Server.Resources.ResourceTables>().ViewerRevocations.Values.ToList();
        Assert.Equal(["v1", "v2"], revocations.Select(r => r.ViewerId).Order());
        Assert.Equal(5, revocations.Single(r => r.ViewerId == "v1").MaxVersion);
        Assert.Equal(missing, (string?)batch["errors"]![0]!["channelArn"]);
        Assert.Equal("v3", (string?)batch["errors"]![0]!["viewerId"]);
    }

    [Fact]
    public async Task EveryTaggableResourceTypeCanBeTagged()
    {
        await using var server = await TestServer.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var created = await server.CallAsync("CreateChannel").OkAsync();
        var arns = new[]
        {
            (string)created["channel"]!["arn"]!,
            (string)created["streamKey"]!["arn"]!,
            (string)(await server.CallAsync("ImportPlaybackKeyPair", Json(new JsonObject { ["publicKeyMaterial"] = key.ExportSubjectPublicKeyInfoPem() })).OkAsync())["keyPair"]!["arn"]!,
            (string)(await server.CallAsync("CreateRecordingConfiguration", """{"destinationConfiguration":{"s3":{"bucketName":"b-1"}}}""").OkAsync())["recordingConfiguration"]!["arn"]!,
            (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy").OkAsync())["playbackRestrictionPolicy"]!["arn"]!,
            (string)(await server.CallAsync("CreateAdConfiguration", """{"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:0:playbackConfiguration/x"}]}""").OkAsync())["adConfiguration"]!["arn"]!,
        };

        foreach (var arn in arns)
        {
            var path = "/tags/" + Uri.EscapeDataString(arn);
            await server.SendAsync("POST", path, """{"tags":{"team":"video"}}""").OkAsync();
            Assert.Equal("""{"team":"video"}""", (await server.SendAsync("GET", path).OkAsync())["tags"]!.ToJsonString());
        }

        await server.SendAsync("GET", "/tags/" + Uri.EscapeDataString("arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh")).ErrorAsync(404, "ResourceNotFoundException");
    }

    private static string Json(JsonNode node) => node.ToJsonString();
}
