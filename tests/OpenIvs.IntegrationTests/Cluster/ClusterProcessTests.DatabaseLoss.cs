using System.Diagnostics;
using OpenIvs.Server.Tests.Infrastructure;
using PostgresCluster = OpenIvs.Tests.Shared.PostgresCluster;

namespace OpenIvs.IntegrationTests.Cluster;

/// <summary>A node process that loses its database (through a proxy that fails like a network) and gets it back.</summary>
public sealed partial class ClusterProcessTests
{
    [Fact]
    public async Task ANodeThatLosesTheDatabaseRefusesPublishersSaysSoInHealthEndsItsStreamAfterItsLeaseAndRecovers()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        int port;
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT current_setting('port')::int", connection);
            port = (int)(await command.ExecuteScalarAsync())!;
        }

        await using var proxy = new OutageProxy(new Uri($"tcp://127.0.0.1:{port}"));
        var throughProxy = new Npgsql.NpgsqlConnectionStringBuilder(database) { Host = "127.0.0.1", Port = new Uri(proxy.Address).Port }.ConnectionString;
        var directory = Directory.CreateTempSubdirectory("openivs-cluster-").FullName;
        var lease = TimeSpan.FromSeconds(4);
        var publishers = new List<Process>();
        var node = await ServerProcess.StartAsync(new ServerOptions
        {
            DataDirectory = directory,
            ExtraArguments = ["--postgres", throughProxy, "--node-id", "cut-off", "--node-lease", lease.ToString()],
        });
        try
        {
            var created = (await CallAsync(node, "CreateChannel", """{"name":"cut","insecureIngest":true}""")).Json!;
            var arn = (string)created["channel"]!["arn"]!;
            var key = (string)created["streamKey"]!["value"]!;
            var other = (string)(await CallAsync(node, "CreateChannel", """{"name":"other","insecureIngest":true}""")).Json!["streamKey"]!["value"]!;
            var live = Publish(node, key);
            publishers.Add(live);
            await UntilAsync(() => CallAsync(node, "GetStream", $$"""{"channelArn":"{{arn}}"}"""), r => r.Status == 200, TimeSpan.FromSeconds(30));

            proxy.GoDown();
            var down = await UntilAsync(() => HealthResponseAsync(node), h => h.Status == 503, TimeSpan.FromSeconds(30));
            Assert.False((bool?)down.Json!["databaseReachable"]);
            Assert.Equal("unavailable", (string?)down.Json["status"]);

            // A new publisher is refused; the live one is cut off once the lease is over.
            var refused = Publish(node, other);
            publishers.Add(refused);
            Assert.True(refused.WaitForExit(TimeSpan.FromSeconds(30)), "the publisher is refused while the database is away");
            Assert.True(live.WaitForExit(lease * 4), "the live publisher is cut off after the lease");
            Assert.False((bool?)(await HealthResponseAsync(node)).Json!["leaseHeld"]);

            // Back: healthy again by itself, and publishers are admitted.
            proxy.ComeBack();
            var up = await UntilAsync(() => HealthResponseAsync(node), h => h.Status == 200, TimeSpan.FromSeconds(60));
            Assert.True((bool?)up.Json!["leaseHeld"]);
            publishers.Add(Publish(node, other));
            await UntilAsync(() => CallAsync(node, "ListStreams", "{}"), r => r.Json?["streams"]?.AsArray().Count == 1, TimeSpan.FromSeconds(30));
            Assert.Contains("lost its lease", node.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                if (!publisher.HasExited)
                {
                    publisher.Kill(entireProcessTree: true);
                }

                publisher.Dispose();
            }

            await node.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Task<RawResponse> HealthResponseAsync(ServerProcess node) =>
        RawHttp.SendAsync(node.Endpoint, new RawRequest("GET", "/health", []) { ContentType = string.Empty }, sign: false);
}
