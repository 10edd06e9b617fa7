using OpenIvs.Tests.Shared;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Storage;

/// <summary>
/// OpenIVS servers started with a PostgreSQL store: the AWS CLI against one, and two nodes on one database (sharing
/// the master key and root credentials, as docs/postgres.md says to deploy them).
/// </summary>
public class PostgresServerTests
{
    [Fact]
    public async Task TheAwsCliCreatesGetsAndListsChannelsOnAServerWithPostgres()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var server = await TestServer.StartAsync(o => o.Storage.Postgres = database);

        var created = await RealClients.AwsAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey, "create-channel", "--name", "pg");
        Assert.True(created.ExitCode == 0, created.Error);
        var arn = (string)JsonNode.Parse(created.Output)!["channel"]!["arn"]!;
        var got = await RealClients.AwsAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey, "get-channel", "--arn", arn);
        var listed = await RealClients.AwsAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey, "list-channels");

        Assert.True(got.ExitCode == 0, got.Error);
        Assert.Equal("pg", (string?)JsonNode.Parse(got.Output)!["channel"]!["name"]);
        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Equal(arn, (string?)Assert.Single(JsonNode.Parse(listed.Output)!["channels"]!.AsArray())!["arn"]);
    }

    [Fact]
    public async Task TwoNodesShareChannelsAndAQuotaAndTheStateSurvivesTheirRestart()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        var first = TestServer.TempDirectory();
        var second = TestServer.TempDirectory();
        string keyArn, keyValue;
        await using (var a = await TestServer.StartAsync(o => Configure(o, database), dataDirectory: first))
        {
            // Nodes share the master key (stream keys are sealed with it) and, here, the root key.
            foreach (var file in new[] { "master.key", "credentials" })
            {
                File.Copy(Path.Combine(first, file), Path.Combine(second, file));
            }

            await using var b = await TestServer.StartAsync(o => Configure(o, database), dataDirectory: second);

            var created = await a.CallAsync("CreateChannel", """{"name":"on-a"}""").OkAsync();
            var arn = (string)created["channel"]!["arn"]!;
            (keyArn, keyValue) = ((string)created["streamKey"]!["arn"]!, (string)created["streamKey"]!["value"]!);
            var seen = await Eventually.ReturnsAsync(
                () => b.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}"""), r => r.IsSuccessStatusCode, "node b serves node a's channel");
            Assert.Equal("on-a", (string?)(await Task.FromResult(seen).OkAsync())["channel"]!["name"]);
            Assert.Equal(keyValue, (string?)(await b.CallAsync("GetStreamKey", $$"""{"arn":"{{keyArn}}"}""").OkAsync())["streamKey"]!["value"]);

            // 30 concurrent creates over both nodes against a quota of 8 channels: exactly 7 more are accepted.
            var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => (i % 2 == 0 ? a : b).CallAsync("CreateChannel", $$"""{"name":"c{{i}}"}""")));
            Assert.Equal(7, responses.Count(r => r.IsSuccessStatusCode));
            Assert.All(responses.Where(r => !r.IsSuccessStatusCode), r => Assert.Equal("ServiceQuotaExceededException", r.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]));
            foreach (var node in new[] { a, b })
            {
                await Eventually.ReturnsAsync(
                    async () => (await node.CallAsync("ListChannels", """{"maxResults":100}""").OkAsync())["channels"]!.AsArray().Count,
                    count => count == 8, "every node lists the 8 channels");
            }

            // IAM too: a key made on node a signs requests to node b within moments, and stops when deleted on a.
            var iam = a.Services.GetRequiredService<IamAdministration>();
            await iam.CreateUserAsync("reader", default);
            await iam.PutPolicyAsync("read", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:List*","Resource":"*"}]}""", default);
            await iam.AttachPolicyAsync("reader", "read", default);
            var key = await iam.CreateAccessKeyAsync("reader", default);
            var reader = new SigV4Credentials(key.AccessKeyId, key.SecretAccessKey);
            await Eventually.ReturnsAsync(() => b.CallAsync("ListChannels", "{}", reader), r => r.IsSuccessStatusCode, "node b accepts node a's new key");
            await iam.DeleteAccessKeyAsync(key.AccessKeyId, default);
            await Eventually.ReturnsAsync(() => b.CallAsync("ListChannels", "{}", reader), r => (int)r.StatusCode == 403, "node b refuses the deleted key");
        }

        await using var again = await TestServer.StartAsync(o => Configure(o, database), dataDirectory: second);
        Assert.Equal(8, (await again.CallAsync("ListChannels", """{"maxResults":100}""").OkAsync())["channels"]!.AsArray().Count);
        Assert.Equal(keyValue, (string?)(await again.CallAsync("GetStreamKey", $$"""{"arn":"{{keyArn}}"}""").OkAsync())["streamKey"]!["value"]);
    }

    [Fact]
    public async Task TwoNodesWithTheSameWebhookDeliverEveryEventOnceAlsoWhenOneStops()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var receiver = await EventReceiver.StartAsync();
        var first = TestServer.TempDirectory();
        var second = TestServer.TempDirectory();
        var a = await TestServer.StartAsync(o => { Configure(o, database); o.Events.Webhooks = receiver.Url.ToString(); }, dataDirectory: first);
        File.Copy(Path.Combine(first, "master.key"), Path.Combine(second, "master.key"));
        await using var b = await TestServer.StartAsync(o => { Configure(o, database); o.Events.Webhooks = receiver.Url.ToString(); }, dataDirectory: second);

        var appended = new List<string>();
        try
        {
            // Both nodes append; both run a relay for the webhook; only the one holding the sink's claim delivers.
            for (var i = 0; i < 5; i++)
            {
                appended.AddRange((await Events.WebhookDeliveryTests.AppendAsync(a, 4)).Select(e => e.Id));
                appended.AddRange((await Events.WebhookDeliveryTests.AppendAsync(b, 4)).Select(e => e.Id));
            }

            await Eventually.TrueAsync(() => receiver.Accepted.Count >= appended.Count, "the first 40 events arrive");
        }
        finally
        {
            await a.DisposeAsync();
        }

        // Whichever node held the claim, the other one delivers what comes next.
        appended.AddRange((await Events.WebhookDeliveryTests.AppendAsync(b, 10)).Select(e => e.Id));
        await Eventually.TrueAsync(() => receiver.Accepted.Select(r => (string?)r.Json["id"]).Distinct().Count() >= appended.Count, "the last 10 events arrive");
        var delivered = receiver.Accepted.Select(r => (string)r.Json["id"]!).ToList();
        Assert.Equal(appended.Order(), delivered.Order());
    }

    private static void Configure(Hosting.OpenIvsOptions options, string database)
    {
        options.Storage.Postgres = database;
        options.Quotas.Channels = 8;
    }
}
