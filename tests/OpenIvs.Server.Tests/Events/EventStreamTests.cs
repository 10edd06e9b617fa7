using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Api;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary><c>GET /_openivs/events</c> (Server-Sent Events) through a real server and HttpClient.</summary>
public class EventStreamTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";
    private const string OtherChannel = "arn:aws:ivs:us-west-2:000000000000:channel/efghEFGH5678";

    [Fact]
    public async Task ASignedSubscriberGetsNewEventsAsTheyAreCommitted()
    {
        await using var server = await TestServer.StartAsync();
        await WebhookDeliveryTests.AppendAsync(server, 2); // before subscribing: not sent

        using var response = await server.Http.SendAsync(
            server.Sign("GET", EventStreamEndpoint.Path, null, server.Root, server.Time.GetUtcNow()), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var reader = new SseReader(stream);

        var appended = await WebhookDeliveryTests.AppendAsync(server, 3);
        var received = await reader.ReadAsync(3);

        var outbox = server.Services.GetRequiredService<IEventOutbox>();
        var stored = (await outbox.ReadAsync(0, 10, null, default)).Skip(2).ToList();
        Assert.Equal(stored.Select(e => e.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)), received.Select(e => e.Id));
        Assert.All(received, e => Assert.Equal("IVS Stream State Change", e.Event));
        Assert.Equal(appended.Select(e => e.Id), received.Select(e => (string?)JsonNode.Parse(e.Data)!["id"]));
    }

    [Fact]
    public async Task LastEventIdResumesAndChannelArnFilters()
    {
        await using var server = await TestServer.StartAsync();
        var first = await WebhookDeliveryTests.AppendAsync(server, 2, Channel);
        var other = await WebhookDeliveryTests.AppendAsync(server, 2, OtherChannel);
        var later = await WebhookDeliveryTests.AppendAsync(server, 2, Channel);
        var stored = await server.Services.GetRequiredService<IEventOutbox>().ReadAsync(0, 10, null, default);

        // Resuming after the first event gets the five after it, at once.
        var request = server.Sign("GET", EventStreamEndpoint.Path, null, server.Root, server.Time.GetUtcNow());
        request.Headers.Add("Last-Event-ID", stored[0].Position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var events = await new SseReader(await response.Content.ReadAsStreamAsync()).ReadAsync(5);
            Assert.Equal([first[1].Id, .. other.Select(e => e.Id), .. later.Select(e => e.Id)], events.Select(e => (string?)JsonNode.Parse(e.Data)!["id"]));
        }

        // With a filter, only that channel's, from the start; then a new one of that channel but not of another.
        var filtered = server.Sign("GET", $"{EventStreamEndpoint.Path}?channelArn={Uri.EscapeDataString(Channel)}", null, server.Root, server.Time.GetUtcNow());
        filtered.Headers.Add("Last-Event-ID", "0");
        using (var response = await server.Http.SendAsync(filtered, HttpCompletionOption.ResponseHeadersRead))
        {
            var reader = new SseReader(await response.Content.ReadAsStreamAsync());
            var events = await reader.ReadAsync(4);
            await WebhookDeliveryTests.AppendAsync(server, 1, OtherChannel);
            var next = await WebhookDeliveryTests.AppendAsync(server, 1, Channel);
            events.AddRange(await reader.ReadAsync(1));
            Assert.Equal([.. first.Select(e => e.Id), .. later.Select(e => e.Id), next[0].Id], events.Select(e => (string?)JsonNode.Parse(e.Data)!["id"]));
        }
    }

    [Fact]
    public async Task APresignedUrlWorksAndAnUnsignedRequestOrAMalformedLastEventIdIsRefused()
    {
        await using var server = await TestServer.StartAsync();

        using (var unsigned = await server.Http.GetAsync(EventStreamEndpoint.Path))
        {
            Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
            Assert.Equal("MissingAuthenticationTokenException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]);
        }

        var malformed = server.Sign("GET", EventStreamEndpoint.Path, null, server.Root, server.Time.GetUtcNow());
        malformed.Headers.Add("Last-Event-ID", "12abc");
        using (var response = await server.Http.SendAsync(malformed))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Contains("Last-Event-ID", (string?)body["exceptionMessage"], StringComparison.Ordinal);
            Assert.Equal("ValidationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
        }

        var query = SigV4Signer.Presign("GET", EventStreamEndpoint.Path, null, server.BaseAddress.Authority, SigV4.HexSha256(string.Empty), server.Root,
            server.Options.Region, "ivs", server.Time.GetUtcNow(), TimeSpan.FromMinutes(5));
        using (var presigned = await server.Http.GetAsync($"{EventStreamEndpoint.Path}?{query}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, presigned.StatusCode);
            var reader = new SseReader(await presigned.Content.ReadAsStreamAsync());
            var appended = await WebhookDeliveryTests.AppendAsync(server, 1);
            Assert.Equal(appended[0].Id, (string?)JsonNode.Parse((await reader.ReadAsync(1))[0].Data)!["id"]);
        }
    }

    [Fact]
    public async Task UsersNeedTheReadEventsActionOnTheChannelOrEverything()
    {
        await using var server = await TestServer.StartAsync();
        var none = await server.UserWithPolicyAsync("no-events", """[{"Effect":"Allow","Action":"ivs:*","Resource":"*"}]""");
        var one = await server.UserWithPolicyAsync("one-channel", $$"""[{"Effect":"Allow","Action":"openivs:ReadEvents","Resource":"{{Channel}}"}]""");
        var all = await server.UserWithPolicyAsync("all-events", """[{"Effect":"Allow","Action":"openivs:*","Resource":"*"}]""");
        var filter = $"{EventStreamEndpoint.Path}?channelArn={Uri.EscapeDataString(Channel)}";

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, EventStreamEndpoint.Path, none));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, filter, none));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(server, EventStreamEndpoint.Path, one));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, filter, one));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, EventStreamEndpoint.Path, all));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, EventStreamEndpoint.Path, server.Root));

        using var denied = await server.Http.SendAsync(server.Sign("GET", EventStreamEndpoint.Path, null, one, server.Time.GetUtcNow()));
        Assert.Contains("openivs:ReadEvents", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASubscriberThatNeverReadsDelaysNeitherAnotherSubscriberNorAWebhook()
    {
        await using var receiver = await EventReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(o => o.Events.Webhooks = receiver.Url.ToString());
        using var stalled = await server.Http.SendAsync(
            server.Sign("GET", EventStreamEndpoint.Path, null, server.Root, server.Time.GetUtcNow()), HttpCompletionOption.ResponseHeadersRead);
        using var reading = await server.Http.SendAsync(
            server.Sign("GET", EventStreamEndpoint.Path, null, server.Root, server.Time.GetUtcNow()), HttpCompletionOption.ResponseHeadersRead);
        var reader = new SseReader(await reading.Content.ReadAsStreamAsync());

        // Enough events (about 4 MB of SSE) to fill the stalled connection's socket buffers and Kestrel's 64 KB.
        var appended = new List<IvsEvent>();
        for (var i = 0; i < 40; i++)
        {
            appended.AddRange(await WebhookDeliveryTests.AppendAsync(server, 250));
        }

        var received = await reader.ReadAsync(appended.Count);
        Assert.Equal(appended.Select(e => e.Id), received.Select(e => (string?)JsonNode.Parse(e.Data)!["id"]));
        Assert.Equal(appended.Count, (await receiver.WaitForEventsAsync(appended.Count)).Count);
        await server.CallAsync("ListChannels").OkAsync();
    }

    private static async Task<HttpStatusCode> StatusAsync(TestServer server, string pathAndQuery, SigV4Credentials credentials)
    {
        using var response = await server.Http.SendAsync(server.Sign("GET", pathAndQuery, null, credentials, server.Time.GetUtcNow()), HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
