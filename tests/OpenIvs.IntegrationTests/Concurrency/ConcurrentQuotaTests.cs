using System.Security.Cryptography;

namespace OpenIvs.IntegrationTests.Concurrency;

/// <summary>Quota and uniqueness rules hold when the calls that test them arrive at the same moment.</summary>
public class ConcurrentQuotaTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    [Fact]
    public async Task OnlyOneOfManyConcurrentCreateStreamKeyCallsWins()
    {
        var created = await CallAsync("CreateChannel", []);
        var channel = (string)created.Json!["channel"]!["arn"]!;
        Assert.Equal(204, (await CallAsync("DeleteStreamKey", new JsonObject { ["arn"] = (string)created.Json["streamKey"]!["arn"]! })).Status);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => CallAsync("CreateStreamKey", new JsonObject { ["channelArn"] = channel })));

        Assert.Single(results, r => r.Status == 200);
        Assert.All(results.Where(r => r.Status != 200), r => Assert.Equal("ServiceQuotaExceededException", r.Header("x-amzn-ErrorType")));
        var keys = await CallAsync("ListStreamKeys", new JsonObject { ["channelArn"] = channel, ["maxResults"] = 50 });
        Assert.Single(keys.Json!["streamKeys"]!.AsArray());
    }

    [Fact]
    public async Task ImportsRacingForTheKeyPairQuotaAndTheSameKey()
    {
        using var shared = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var samePem = shared.ExportSubjectPublicKeyInfoPem();
        var duplicates = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = samePem })));
        Assert.Single(duplicates, r => r.Status == 200);
        Assert.All(duplicates.Where(r => r.Status != 200), r => Assert.Equal("ConflictException", r.Header("x-amzn-ErrorType")));

        var distinct = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            return CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = key.ExportSubjectPublicKeyInfoPem() });
        }));
        Assert.Equal(2, distinct.Count(r => r.Status == 200)); // the default quota is 3, one already used
        Assert.All(distinct.Where(r => r.Status != 200), r => Assert.Equal("ServiceQuotaExceededException", r.Header("x-amzn-ErrorType")));
        var listed = await CallAsync("ListPlaybackKeyPairs", new JsonObject { ["maxResults"] = 100 });
        Assert.Equal(3, listed.Json!["keyPairs"]!.AsArray().Count);
    }

    [Fact]
    public async Task ARecordingConfigurationCannotBeDeletedWhileAChannelIsBeingAttachedToIt()
    {
        for (var round = 0; round < 5; round++)
        {
            var rc = (string)(await CallAsync("CreateRecordingConfiguration", new JsonObject
            {
                ["destinationConfiguration"] = new JsonObject { ["s3"] = new JsonObject { ["bucketName"] = "race-bucket" } },
            })).Json!["recordingConfiguration"]!["arn"]!;

            var attach = CallAsync("CreateChannel", new JsonObject { ["recordingConfigurationArn"] = rc });
            var delete = CallAsync("DeleteRecordingConfiguration", new JsonObject { ["arn"] = rc });
            var (attached, deleted) = (await attach, await delete);

            // Either order is fine, but never both: a channel must not point at a deleted configuration.
            Assert.False(attached.Status == 200 && deleted.Status == 204, $"both succeeded: {attached} / {deleted}");
            Assert.True(attached.Status == 200 || attached.Header("x-amzn-ErrorType") == "ResourceNotFoundException", attached.ToString());
            Assert.True(deleted.Status == 204 || deleted.Header("x-amzn-ErrorType") == "ConflictException", deleted.ToString());
            if (attached.Status == 200)
            {
                Assert.Equal(204, (await CallAsync("DeleteChannel", new JsonObject { ["arn"] = (string)attached.Json!["channel"]!["arn"]! })).Status);
                Assert.Equal(204, (await CallAsync("DeleteRecordingConfiguration", new JsonObject { ["arn"] = rc })).Status);
            }
        }
    }

    private Task<RawResponse> CallAsync(string operation, JsonObject input) =>
        RawHttp.SendAsync(_server.Endpoint, RawRequest.Json("POST", "/" + operation, input.ToJsonString()));
}
