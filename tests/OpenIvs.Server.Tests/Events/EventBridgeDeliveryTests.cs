using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Client.Credentials;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary>
/// The EventBridge sink against a real moto server (EventBridge rule -> SQS), and against a local receiver for refusals.
/// Real time: moto and the sockets run on the wall clock; failed attempts and calls are waited for as they are logged
/// or received (Changes).
/// </summary>
public class EventBridgeDeliveryTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";
    private const string OtherChannel = "arn:aws:ivs:us-west-2:000000000000:channel/efghEFGH5678";

    [Fact]
    public async Task EventsReachAnSqsQueueThroughAnEventBridgeRuleOnTheIvsSource()
    {
        await using var moto = await MotoServer.StartAsync();
        var queue = await moto.CreateQueueWithRuleAsync("""{"source": ["aws.ivs"]}""");
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.EventBridgeEndpoint = moto.Endpoint.ToString();
                o.Events.RequestTimeout = TimeSpan.FromSeconds(30);
            },
            services: s => s.AddSingleton<IAwsCredentialsProvider>(new StaticCredentialsProvider(MotoServer.Credentials)));

        // Twelve events: two PutEvents calls of at most ten entries.
        var appended = await WebhookDeliveryTests.AppendAsync(server, 6, Channel);
        appended.AddRange(await WebhookDeliveryTests.AppendAsync(server, 5, OtherChannel));
        var breach = IvsEvent.Limit("Concurrent Broadcasts", 5, 1, "active streams", "us-west-2", "000000000000", server.Time.GetUtcNow());
        await AppendAsync(server, breach);
        appended.Add(breach);

        // At least once: a call that timed out on a busy machine may have been put twice (EventBridge gives each
        // entry its own id, so duplicates are recognised by their content).
        var received = await moto.ReceiveAsync(queue, 12);
        var byDetail = new Dictionary<string, JsonNode>();
        foreach (var e in received)
        {
            byDetail.TryAdd(e["detail"]!.ToJsonString() + e["resources"]!.ToJsonString(), e);
        }

        Assert.Equal(12, byDetail.Count);
        foreach (var sent in appended)
        {
            var envelope = sent.ToJson();
            var got = byDetail[envelope["detail"]!.ToJsonString() + envelope["resources"]!.ToJsonString()];
            Assert.Equal("aws.ivs", (string?)got["source"]);
            Assert.Equal(sent.DetailType, (string?)got["detail-type"]);
            Assert.Equal("us-west-2", (string?)got["region"]);
            Assert.Equal(envelope["resources"]!.ToJsonString(), got["resources"]!.ToJsonString());
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(sent.Time.ToUnixTimeSeconds()), DateTimeOffset.Parse((string)got["time"]!, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal("Stream Start", (string?)byDetail.Values.First(e => (string?)e["detail-type"] == "IVS Stream State Change")["detail"]!["event_name"]);
        Assert.Equal("Concurrent Broadcasts", (string?)byDetail.Values.Single(e => (string?)e["detail-type"] == "IVS Limit Breach")["detail"]!["limit_name"]);
    }

    [Fact]
    public async Task AnUnreachableEndpointAndAMissingBusAreRetriedUntilDeliveryRecovers()
    {
        var port = TestServer.FreePort();
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.EventBridgeEndpoint = $"http://127.0.0.1:{port}";
                o.Events.EventBridgeBus = "ivs-bus";
                o.Events.MaxBackoff = TimeSpan.FromSeconds(2);
            },
            logs: logs,
            services: s => s.AddSingleton<IAwsCredentialsProvider>(new StaticCredentialsProvider(MotoServer.Credentials)));
        var appended = await WebhookDeliveryTests.AppendAsync(server, 3);
        await logs.Changes.UntilAsync(() => logs.Lines.Count(l => l.Contains("not delivered", StringComparison.Ordinal)) >= 2, "two failed attempts");

        // The endpoint comes up without the bus: PutEvents fails as a whole (ResourceNotFoundException), retried.
        await using var moto = await MotoServer.StartAsync(port);
        await logs.Changes.UntilAsync(() => logs.Lines.Any(l => l.Contains("ResourceNotFoundException", StringComparison.Ordinal)), "a missing-bus failure", TimeSpan.FromSeconds(60));
        var queue = await moto.CreateQueueWithRuleAsync("""{"source": ["aws.ivs"]}""", bus: "ivs-bus");

        var received = await moto.ReceiveAsync(queue, 3);
        Assert.Equal(
            appended.Select(e => (string?)e.Detail["stream_id"]).Order(),
            received.Select(e => (string?)e["detail"]!["stream_id"]).Distinct().Order());
        Assert.Empty(await server.Services.GetRequiredService<IEventOutbox>().ReadParkedAsync(null, 10, default));
    }

    [Fact]
    public async Task RequestsAreSignedPutEventsCallsAndRefusedEntriesAreParkedWhileThrottledOnesAreRetried()
    {
        await using var receiver = await EventReceiver.StartAsync();
        var credentials = new SigV4Credentials("AKIDEVENTBRIDGE", "secret-key-for-the-test", "session-token");
        receiver.Respond = (_, n) => n switch
        {
            // First call: the first entry refused for good, the second throttled (so the third is not known).
            0 => new ReceiverReply(200, Body: """{"FailedEntryCount":2,"Entries":[{"ErrorCode":"NotAuthorizedForSourceException","ErrorMessage":"Not authorized for the source."},{"ErrorCode":"ThrottlingException","ErrorMessage":"Rate exceeded"},{"EventId":"x"}]}""", ContentType: "application/x-amz-json-1.1"),
            1 => new ReceiverReply(500, Body: """{"__type":"InternalException","message":"try again"}"""),
            _ => new ReceiverReply(200, Body: """{"FailedEntryCount":0,"Entries":[{"EventId":"a"},{"EventId":"b"}]}""", ContentType: "application/x-amz-json-1.1"),
        };
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Events.EventBridgeEndpoint = receiver.BaseAddress.ToString();
                o.Events.EventBridgeBus = "ivs-bus";
            },
            logs: logs,
            services: s => s.AddSingleton<IAwsCredentialsProvider>(new StaticCredentialsProvider(credentials)));

        var appended = await WebhookDeliveryTests.AppendAsync(server, 3);
        await receiver.Changes.UntilAsync(() => receiver.Received.Count >= 3, "three PutEvents calls", TimeSpan.FromSeconds(60));
        var outbox = server.Services.GetRequiredService<IEventOutbox>();
        var sink = Assert.Single(server.Services.GetRequiredService<EventRelay>().Sinks);
        await Eventually.ReturnsAsync(() => outbox.GetCursorAsync(sink.Name, default), c => c == outbox.LastPosition, "cursor at the end");

        var calls = receiver.Received;
        Assert.Equal(3, ((JsonArray)calls[0].Json["Entries"]!).Count);
        Assert.Equal([appended[1].Id, appended[2].Id], ((JsonArray)calls[2].Json["Entries"]!).Select(e => DetailStreamId(e!)).Select(id => appended.Single(a => (string?)a.Detail["stream_id"] == id).Id));
        var entry = calls[0].Json["Entries"]![0]!;
        Assert.Equal("aws.ivs", (string?)entry["Source"]);
        Assert.Equal("IVS Stream State Change", (string?)entry["DetailType"]);
        Assert.Equal("ivs-bus", (string?)entry["EventBusName"]);
        Assert.Equal(appended[0].Detail.ToJsonString(), JsonNode.Parse((string)entry["Detail"]!)!.ToJsonString());
        Assert.Equal(Channel, (string?)entry["Resources"]![0]);
        Assert.Equal(appended[0].Time.ToUnixTimeSeconds(), (long)entry["Time"]!);
        foreach (var call in calls)
        {
            Assert.Equal("AWSEvents.PutEvents", call.Header("X-Amz-Target"));
            Assert.Equal("application/x-amz-json-1.1", call.Header("Content-Type"));
            Assert.Equal("session-token", call.Header("X-Amz-Security-Token"));
            var verification = new SigV4Verifier("us-west-2", "events", TimeProvider.System).Verify(
                new SigV4Request("POST", "/", null, [.. call.Headers], call.Body), new Keys(credentials));
            Assert.True(verification.Succeeded, verification.Message);
        }

        var parked = Assert.Single(await outbox.ReadParkedAsync(null, 10, default));
        Assert.Equal(appended[0].Id, parked.Event.Id);
        Assert.Contains("NotAuthorizedForSourceException", parked.Reason, StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains("--eventbridge-source", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("secret-key-for-the-test", StringComparison.Ordinal));
    }

    private static string? DetailStreamId(JsonNode entry) => (string?)JsonNode.Parse((string)entry["Detail"]!)!["stream_id"];

    private static async Task AppendAsync(TestServer server, IvsEvent e)
    {
        var store = server.Services.GetRequiredService<OpenIvs.Server.Storage.DocumentStore>();
        await using var write = await store.BeginWriteAsync(default);
        write.AppendEvent(e.ToOutbox());
        await write.CommitAsync(default);
    }

    private sealed class Keys(SigV4Credentials credentials) : ISigV4KeyResolver
    {
        public SigV4Key? Resolve(string accessKeyId, string date, string region, string service) =>
            accessKeyId == credentials.AccessKeyId
                ? new SigV4Key(SigV4.SigningKey(credentials.SecretAccessKey, date, region, service), credentials.SessionToken, null, "test")
                : null;
    }
}
