using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace OpenIvs.IntegrationTests.Durability;

/// <summary>
/// A write the API acknowledged survives the process being killed: a burst of concurrent CreateChannel,
/// TagResource and DeleteChannel calls, SIGKILL of the server in the middle of it, a restart on the same data
/// directory, and then every acknowledged create and tag is there and every acknowledged delete is not.
/// </summary>
public class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Workers = 12;
    private const int KillAfterAcknowledgements = 150;
    private const int PlannedOperations = 900;

    private sealed record Outcome(string Kind, string Target, string Detail);

    [Fact]
    public async Task AcknowledgedWritesSurviveSigkill()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("openivs-crash-").FullName;
        try
        {
            await RunAsync(dataDirectory);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private async Task RunAsync(string dataDirectory)
    {
        var server = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory });
        List<string> tagTargets, deleteTargets;
        try
        {
            tagTargets = await CreateChannelsAsync(server, "tag-target", 20);
            deleteTargets = await CreateChannelsAsync(server, "delete-target", 60);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        // The plan: creates, tags (one new key each) and deletes (each target once), interleaved.
        var plan = new ConcurrentQueue<(string Kind, string Target, string Value)>();
        var deletes = new Queue<string>(deleteTargets);
        for (var i = 0; i < PlannedOperations; i++)
        {
            if (i % 3 == 0)
            {
                plan.Enqueue(("create", $"burst-{i}", string.Empty));
            }
            else if (i % 3 == 1 || deletes.Count == 0)
            {
                plan.Enqueue(("tag", tagTargets[i % tagTargets.Count], $"t{i}"));
            }
            else
            {
                plan.Enqueue(("delete", deletes.Dequeue(), string.Empty));
            }
        }

        var acknowledged = new ConcurrentBag<Outcome>();
        var unanswered = 0;
        var killed = new TaskCompletionSource();
        var acknowledgements = 0;

        async Task WorkAsync()
        {
            while (!killed.Task.IsCompleted && plan.TryDequeue(out var step))
            {
                var request = step.Kind switch
                {
                    "create" => RawRequest.Json("POST", "/CreateChannel", new JsonObject { ["name"] = step.Target, ["tags"] = new JsonObject { ["origin"] = step.Target } }.ToJsonString()),
                    "tag" => RawRequest.Json("POST", "/tags/" + SigV4Signer.Encode(step.Target), new JsonObject { ["tags"] = new JsonObject { [step.Value] = step.Value } }.ToJsonString()),
                    _ => RawRequest.Json("POST", "/DeleteChannel", new JsonObject { ["arn"] = step.Target }.ToJsonString()),
                };
                RawResponse response;
                try
                {
                    response = await RawHttp.SendAsync(server.Endpoint, request);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidDataException)
                {
                    Interlocked.Increment(ref unanswered); // killed with this request in flight, or after
                    continue;
                }

                var expected = step.Kind == "delete" ? 204 : 200;
                Assert.True(response.Status == expected, $"{step}: {response}");
                var detail = step.Kind == "create" ? (string)response.Json!["channel"]!["arn"]! : step.Value;
                acknowledged.Add(new Outcome(step.Kind, step.Target, detail));
                if (Interlocked.Increment(ref acknowledgements) == KillAfterAcknowledgements)
                {
                    server.Kill(); // SIGKILL, with the other workers' requests in flight
                    killed.TrySetResult();
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)));
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.True(killed.Task.IsCompleted, "the burst ended before the kill");
        Assert.False(plan.IsEmpty, "the burst ended before the kill");
        output.WriteLine($"acknowledged {acknowledged.Count} writes before SIGKILL; {unanswered} requests got no answer; {plan.Count} never sent");

        await using var restarted = await ServerProcess.StartAsync(new ServerOptions { DataDirectory = dataDirectory });
        foreach (var write in acknowledged.Where(w => w.Kind == "create"))
        {
            var channel = await CallAsync(restarted, "GetChannel", new JsonObject { ["arn"] = write.Detail });
            Assert.True(channel.Status == 200, $"acknowledged CreateChannel {write.Detail} ({write.Target}) lost: {channel}");
            Assert.Equal(write.Target, (string?)channel.Json!["channel"]!["name"]);
            Assert.Equal(write.Target, (string?)channel.Json["channel"]!["tags"]!["origin"]);
        }

        foreach (var write in acknowledged.Where(w => w.Kind == "delete"))
        {
            var channel = await CallAsync(restarted, "GetChannel", new JsonObject { ["arn"] = write.Target });
            Assert.True(channel.Status == 404, $"acknowledged DeleteChannel {write.Target} undone: {channel}");
        }

        foreach (var target in tagTargets)
        {
            var tags = await RawHttp.SendAsync(restarted.Endpoint, new RawRequest("GET", "/tags/" + SigV4Signer.Encode(target), []));
            Assert.True(tags.Status == 200, tags.ToString());
            foreach (var write in acknowledged.Where(w => w.Kind == "tag" && w.Target == target))
            {
                Assert.True((string?)tags.Json!["tags"]![write.Detail] == write.Detail, $"acknowledged TagResource {write.Detail} on {target} lost: {tags}");
            }
        }

        // Each write was atomic: every channel that exists has the stream key its CreateChannel made with it.
        string? token = null;
        do
        {
            var page = await CallAsync(restarted, "ListChannels", token is null ? [] : new JsonObject { ["nextToken"] = token });
            Assert.Equal(200, page.Status);
            foreach (var channel in page.Json!["channels"]!.AsArray())
            {
                var keys = await CallAsync(restarted, "ListStreamKeys", new JsonObject { ["channelArn"] = (string)channel!["arn"]! });
                Assert.True(keys.Json?["streamKeys"]?.AsArray().Count == 1, $"{channel["arn"]} has no stream key after the crash: {keys}");
            }

            token = (string?)page.Json["nextToken"];
        }
        while (token is not null);
    }

    private static async Task<List<string>> CreateChannelsAsync(ServerProcess server, string name, int count)
    {
        var arns = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await CallAsync(server, "CreateChannel", new JsonObject { ["name"] = $"{name}-{i}" });
            Assert.True(response.Status == 200, response.ToString());
            arns.Add((string)response.Json!["channel"]!["arn"]!);
        }

        return arns;
    }

    private static Task<RawResponse> CallAsync(ServerProcess server, string operation, JsonObject input) =>
        RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/" + operation, input.ToJsonString()));
}
