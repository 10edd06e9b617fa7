using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Cluster;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Tests.Shared;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Cluster;

/// <summary>
/// Two real nodes on one PostgreSQL database, sharing <c>master.key</c>: a publisher on node A, the API called on
/// node B. B's <see cref="IStreamLocator"/> is a test one that reads A's hub (what the cluster's locator learns from
/// the database), so these tests hold whatever the locator's implementation.
/// </summary>
public class ClusterLiveStreamsTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AStreamHeldByNodeAIsReadAndActedOnFromNodeB()
    {
        var (a, b) = await TwoNodesAsync();
        await using var nodeA = a;
        await using var nodeB = b;
        var adConfiguration = (string)(await a.CallAsync("CreateAdConfiguration", """
            {"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ads"}]}
            """).OkAsync())["adConfiguration"]!["arn"]!;
        var (arn, key, playbackUrl) = await ChannelAsync(a, b, $$"""{"insecureIngest":true,"containerFormat":"TS","adConfigurationArn":"{{adConfiguration}}"}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(a, key));
        await WaitUntilStartedAsync(a, arn);

        // Reads: the same stream, field for field, on both nodes.
        var (onA, onB) = await Eventually.ReturnsAsync(
            async () => ((await GetStreamAsync(a, arn))?.ToJsonString(), (await GetStreamAsync(b, arn))?.ToJsonString()),
            pair => pair.Item1 is not null && pair.Item1 == pair.Item2, "GetStream to answer the same on both nodes", Within);
        var streamId = (string)JsonNode.Parse(onA!)!["streamId"]!;
        var listedOnA = (await a.CallAsync("ListStreams").OkAsync())["streams"]!.AsArray().Single(s => (string?)s!["streamId"] == streamId)!;
        var listedOnB = (await b.CallAsync("ListStreams").OkAsync())["streams"]!.AsArray().Single(s => (string?)s!["streamId"] == streamId)!;
        Assert.Equal(listedOnA.ToJsonString(), listedOnB.ToJsonString());
        var cli = await RealClients.AwsAsync(b, b.Root.AccessKeyId, b.Root.SecretAccessKey, "get-stream", "--channel-arn", arn); // the same API: clients need nothing new
        Assert.True(cli.ExitCode == 0, cli.Error);
        Assert.Equal(streamId, (string?)JsonNode.Parse(cli.Output)!["stream"]!["streamId"]);

        // The live session, from the shared database, with the ingest the holder measures now.
        var session = await Eventually.ReturnsAsync(
            async () => (await b.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!,
            s => (string?)s["streamId"] == streamId && (long?)s["ingestConfigurations"]?["videoConfigurations"]?[0]?["targetBitrate"] > 0,
            "node b's GetStreamSession to show the live session with its measured bitrate", Within);
        Assert.Null(session["endTime"]);
        var sessionOnA = (await a.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}","streamId":"{{streamId}}"}""").OkAsync())["streamSession"]!;
        foreach (var field in new[] { "codec", "videoWidth", "videoHeight", "profile" })
        {
            Assert.Equal(
                sessionOnA["ingestConfigurations"]!["videoConfigurations"]![0]![field]!.ToJsonString(),
                session["ingestConfigurations"]!["videoConfigurations"]![0]![field]!.ToJsonString());
        }

        Assert.Equal((string?)sessionOnA["channel"]!["arn"], (string?)session["channel"]!["arn"]);
        var summary = (await b.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray().First()!;
        Assert.Equal(streamId, (string?)summary["streamId"]);
        Assert.Null(summary["endTime"]);

        // PutMetadata on B: an ID3 cue in A's media.
        var mediaUrl = MediaPlaylistUrl(playbackUrl, await WaitForPlaylistAsync(a, playbackUrl));
        var payload = $"from-node-b-{Guid.NewGuid():N}";
        await b.CallAsync("PutMetadata", new JsonObject { ["channelArn"] = arn, ["metadata"] = payload }.ToJsonString()).OkAsync(204);
        await Eventually.ReturnsAsync(
            async () => await RecentSegmentsCarryAsync(a, mediaUrl, Encoding.UTF8.GetBytes(payload)),
            found => found, "the cue put on node b in a segment of node a", Within);

        // InsertAdBreak on B: the break in A's playlist; a second one while it runs is a conflict, as on one node.
        var adBreakId = (string)(await b.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{arn}}","durationSeconds":4}""").OkAsync())["adBreakId"]!;
        await b.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{arn}}","durationSeconds":4}""").ErrorAsync(409, "ConflictException");
        await Eventually.ReturnsAsync(
            () => a.Http.GetStringAsync(mediaUrl), text => text.Contains($"#EXT-X-DATERANGE:ID=\"{adBreakId}\"", StringComparison.Ordinal),
            "the break inserted on node b in node a's playlist", Within);

        // A channel live on A is live for B's rules too.
        await b.CallAsync("UpdateChannel", $$"""{"arn":"{{arn}}","name":"renamed"}""").ErrorAsync(409, "ConflictException");
        await b.CallAsync("DeleteChannel", $$"""{"arn":"{{arn}}"}""").ErrorAsync(409, "ConflictException");

        // StopStream on B ends the stream on A; its session ends in the shared database.
        await b.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").OkAsync();
        Assert.Null(await GetStreamAsync(a, arn));
        await b.CallAsync("GetStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        await b.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        await Eventually.ReturnsAsync(
            async () => (await b.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}","streamId":"{{streamId}}"}""").OkAsync())["streamSession"]!,
            s => s["endTime"] is not null, "the ended session on node b", Within);
    }

    [Fact]
    public async Task AViewerRevokedOnNodeBIsRefusedOnNodeA()
    {
        var (a, b) = await TwoNodesAsync();
        await using var nodeA = a;
        await using var nodeB = b;
        using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await a.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var (arn, key, playbackUrl) = await ChannelAsync(a, b, """{"insecureIngest":true,"authorized":true}""");
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(a, key));
        await WaitUntilStartedAsync(a, arn);

        using var signer = new PlaybackTokenSigner(playbackKey);
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires, ViewerId = "viewer-1" });
        var multivariant = await WaitForPlaylistAsync(a, PlaybackTokenSigner.AuthorizeUrl(playbackUrl, token));
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant);
        Assert.Equal(HttpStatusCode.OK, (await a.Http.GetAsync(mediaUrl)).StatusCode);

        await b.CallAsync("StartViewerSessionRevocation", $$"""{"channelArn":"{{arn}}","viewerId":"viewer-1"}""").OkAsync();

        await Eventually.ReturnsAsync(
            async () => (await a.Http.GetAsync(mediaUrl)).StatusCode, s => s == HttpStatusCode.Forbidden, "node a to refuse the session revoked on node b", Within);
        var again = signer.Sign(new PlaybackTokenClaims { ChannelArn = arn, ExpiresAt = expires, ViewerId = "viewer-1" });
        Assert.Equal(HttpStatusCode.Forbidden, (await a.Http.GetAsync(PlaybackTokenSigner.AuthorizeUrl(playbackUrl, again))).StatusCode);
    }

    [Fact]
    public async Task ListStreamsMergesTheNodesStreamsInOneOrderAndPagesThroughThem()
    {
        var (a, b) = await TwoNodesAsync();
        await using var nodeA = a;
        await using var nodeB = b;
        var (onA, keyA, _) = await ChannelAsync(a, b, """{"insecureIngest":true}""");
        var (onB, keyB, _) = await ChannelAsync(a, b, """{"insecureIngest":true}""");
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800);
        await using var publisherA = Ffmpeg.Publish(clip, RtmpUrl(a, keyA));
        await WaitUntilStartedAsync(a, onA);
        await using var publisherB = Ffmpeg.Publish(clip, RtmpUrl(b, keyB)); // later: after A's in the order
        await WaitUntilStartedAsync(b, onB);

        var all = (await b.CallAsync("ListStreams").OkAsync())["streams"]!.AsArray();
        Assert.Equal([onA, onB], all.Select(s => (string)s!["channelArn"]!));
        var first = await b.CallAsync("ListStreams", """{"maxResults":1}""").OkAsync();
        var second = await b.CallAsync("ListStreams", new JsonObject { ["maxResults"] = 1, ["nextToken"] = (string)first["nextToken"]! }.ToJsonString()).OkAsync();
        Assert.Equal(onA, (string?)first["streams"]![0]!["channelArn"]);
        Assert.Equal(onB, (string?)second["streams"]![0]!["channelArn"]);
        Assert.Null(second["nextToken"]);
        Assert.Equal((string?)(await GetStreamAsync(a, onA))!["streamId"], (string?)(await GetStreamAsync(b, onA))!["streamId"]);
    }

    [Fact]
    public async Task PutMetadataIsCountedPerChannelAtTheHolderWhereverItArrives()
    {
        // Node B does not limit its API at all: only the holder's per-channel quota can throttle.
        var (a, b) = await TwoNodesAsync(o => o.EnableRateLimits = true);
        await using var nodeA = a;
        await using var nodeB = b;
        var created = await b.CallAsync("CreateChannel", """{"insecureIngest":true}""").OkAsync();
        var (arn, key) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!);
        var resources = a.Services.GetRequiredService<ResourceCatalog>();
        await Eventually.TrueAsync(() => resources.Find(resources.Tables.ChannelKind, arn) is not null, "node a to know the channel", Within);
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(a, key));
        await Eventually.ReturnsAsync(() => GetStreamAsync(b, arn), s => s is not null, "the stream on node a, seen from node b", Within);

        // At once, so that the quota's refill cannot keep up however slow the machine.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await b.CallAsync("PutMetadata", new JsonObject { ["channelArn"] = arn, ["metadata"] = $"cue {i}" }.ToJsonString());
            return (response.StatusCode, Type: response.Headers.TryGetValues("x-amzn-ErrorType", out var type) ? type.Single() : null, Body: await response.Content.ReadAsStringAsync());
        }));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var throttled in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
        {
            Assert.Equal("ThrottlingException", throttled.Type);
            Assert.Contains(arn, throttled.Body, StringComparison.Ordinal);
        }

        Assert.Contains(HttpStatusCode.NoContent, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.NoContent or HttpStatusCode.TooManyRequests, $"{s}"));
    }

    [Fact]
    public async Task TheClusterEndpointsAcceptOnlyAFreshSignatureOfTheNodeKeyAndNeverLogIt()
    {
        var logs = new CapturingLoggerProvider();
        await using var node = await TestServer.StartAsync(logs: logs);
        Assert.IsType<LiveStreams>(node.Services.GetRequiredService<ILiveStreams>()); // one node: exactly the hub, as before
        var arn = (string)(await node.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        var path = NodeEndpoints.StopPath + "?c=" + Uri.EscapeDataString(arn) + "&n=";
        var clusterKey = node.Services.GetRequiredService<SecretBox>().DeriveKey("cluster-nodes");
        var good = new NodeSignature(clusterKey, "b", TimeProvider.System);
        var expired = new NodeSignature(clusterKey, "b", new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5)));
        var future = new NodeSignature(clusterKey, "b", new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5)));
        var forged = new NodeSignature(RandomNumberGenerator.GetBytes(32), "b", TimeProvider.System);
        var sent = new List<string>();

        async Task<(HttpStatusCode Status, string Body)> SendAsync(string method, string target, string? header)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), target);
            if (header is not null)
            {
                sent.Add(header);
                request.Headers.TryAddWithoutValidation(NodeSignature.HeaderName, header);
            }

            using var response = await node.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "1", null)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "2", "b:1:abc")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "3", forged.Sign("POST", path + "3"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "4", expired.Sign("POST", path + "4"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "5", future.Sign("POST", path + "5"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "6", good.Sign("POST", path + "other"))).Status); // another request's
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("GET", path + "7", good.Sign("GET", path + "7"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", NodeEndpoints.MetadataPath + path[NodeEndpoints.StopPath.Length..] + "8", good.Sign("POST", path + "8"))).Status);

        // The account's root key is no key here.
        using (var rootSigned = await node.SendAsync("POST", path + "9", "{}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, rootSigned.StatusCode);
        }

        // A good signature works once.
        var header = good.Sign("POST", path + "10");
        Assert.Equal((HttpStatusCode.OK, NodeEndpoints.NotLive), await SendAsync("POST", path + "10", header));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("POST", path + "10", header)).Status);

        Assert.Contains("Refused a cluster request", logs.All, StringComparison.Ordinal);
        foreach (var value in sent.Where(v => v.Length > 40))
        {
            Assert.DoesNotContain(value[(value.LastIndexOf(':') + 1)..], logs.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AHolderThatCannotBeReachedFailsTheCallPromptlyWithARetryableError()
    {
        // One port with nothing listening, one that accepts connections and never answers.
        var refusing = new Uri($"http://127.0.0.1:{TestServer.FreePort()}/");
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(backlog: 16);
        var silentUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        var locator = new FixedLocator();
        await using var node = await TestServer.StartAsync(services: s => s.AddSingleton<IStreamLocator>(locator));
        var adConfiguration = (string)(await node.CallAsync("CreateAdConfiguration", """
            {"mediaTailorPlaybackConfigurations":[{"playbackConfigurationArn":"arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ads"}]}
            """).OkAsync())["adConfiguration"]!["arn"]!;
        var created = await node.CallAsync("CreateChannel", $$"""{"adConfigurationArn":"{{adConfiguration}}"}""").OkAsync();
        var arn = (string)created["channel"]!["arn"]!;

        foreach (var holder in new[] { refusing, silentUrl })
        {
            var stream = new Protocol.Model.Stream
            {
                ChannelArn = arn, StreamId = "st-" + Guid.NewGuid().ToString("N")[..23], PlaybackUrl = (string)created["channel"]!["playbackUrl"]!,
                StartTime = DateTimeOffset.UtcNow, State = Protocol.Model.StreamState.Live, Health = Protocol.Model.StreamHealth.Healthy, ViewerCount = 7,
            };
            locator.Streams[arn] = new RemoteStream(arn, stream.StreamId, "a", holder, stream);

            // Reads answer from the locator (and the stored sessions) without the holder.
            Assert.Equal(7, (long?)(await node.CallAsync("GetStream", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["stream"]!["viewerCount"]);
            Assert.Equal(stream.StreamId, (string?)(await node.CallAsync("GetStreamSession", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSession"]!["streamId"]);
            Assert.Equal(stream.StreamId, (string?)(await node.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]![0]!["streamId"]);

            // Actions fail at once with a server error the SDKs retry: never a hang, never "not broadcasting".
            var clock = Stopwatch.StartNew();
            await node.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(503, "StreamUnavailable");
            await node.CallAsync("PutMetadata", $$"""{"channelArn":"{{arn}}","metadata":"x"}""").ErrorAsync(500, "InternalServerException");
            await node.CallAsync("InsertAdBreak", $$"""{"channelArn":"{{arn}}","durationSeconds":5}""").ErrorAsync(500, "InternalServerException");
            var bound = NodeClient.StopTimeout + NodeClient.ActionTimeout + NodeClient.ActionTimeout + TimeSpan.FromSeconds(10);
            Assert.True(clock.Elapsed < bound, $"{holder}: the three calls took {clock.Elapsed} (bound {bound})");
        }
    }

    /// <summary>Node A (holder) and node B (API) on one fresh database, B with A's master.key and root key.</summary>
    private static async Task<(TestServer A, TestServer B)> TwoNodesAsync(Action<OpenIvsOptions>? configureA = null)
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        // A is a cluster node too (its locator knows of no other holder): it holds the streams, B relays and acts.
        var a = await TestServer.StartAsync(
            o =>
            {
                o.Storage.Postgres = database;
                o.Cluster.NodeId = "a";
                configureA?.Invoke(o);
            },
            services: s => s.AddSingleton<IStreamLocator>(new FixedLocator()));
        var directory = TestServer.TempDirectory();
        foreach (var file in new[] { "master.key", "credentials" })
        {
            File.Copy(Path.Combine(a.DataDirectory, file), Path.Combine(directory, file));
        }

        var b = await TestServer.StartAsync(
            o =>
            {
                o.Storage.Postgres = database;
                o.Cluster.NodeId = "b";
            },
            dataDirectory: directory,
            services: s => s.AddSingleton<IStreamLocator>(new HeldOn(a)));
        return (a, b);
    }

    /// <summary>A channel created on A (its playback URL is A's), once B serves it too.</summary>
    private static async Task<(string Arn, string Key, string PlaybackUrl)> ChannelAsync(TestServer a, TestServer b, string body)
    {
        var created = await a.CallAsync("CreateChannel", body).OkAsync();
        var arn = (string)created["channel"]!["arn"]!;
        await Eventually.ReturnsAsync(
            async () => (await b.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""")).StatusCode, s => s == HttpStatusCode.OK, "node b to serve the channel", Within);
        return (arn, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
    }

    /// <summary>Whether one of the newest media segments or parts of a playlist carries <paramref name="payload"/>.</summary>
    private static async Task<bool> RecentSegmentsCarryAsync(TestServer server, string mediaUrl, byte[] payload)
    {
        var playlist = await server.Http.GetStringAsync(mediaUrl);
        var uris = playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Concat(System.Text.RegularExpressions.Regex.Matches(playlist, "#EXT-X-PART:[^\n]*URI=\"([^\"]+)\"").Select(m => m.Groups[1].Value))
            .TakeLast(12);
        foreach (var uri in uris)
        {
            using var response = await server.Http.GetAsync(new Uri(new Uri(mediaUrl), uri));
            if (response.IsSuccessStatusCode && (await response.Content.ReadAsByteArrayAsync()).AsSpan().IndexOf(payload) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Node B's view of the cluster: a channel live on node A is held there, in the state A's API gives it (what the
    /// cluster's locator reads from the database, as the holder publishes it).
    /// </summary>
    private sealed class HeldOn(TestServer holder) : IStreamLocator
    {
        private ILiveStreams Hub => holder.Services.GetRequiredService<ILiveStreams>();

        public IReadOnlyList<RemoteStream> RemoteStreams =>
            [.. Hub.ListStreams().Select(s => FindRemote(s.ChannelArn!)).OfType<RemoteStream>()];

        public RemoteStream? FindRemote(string channelArn) =>
            Hub.GetStream(channelArn) is { } stream ? new RemoteStream(channelArn, stream.StreamId!, "a", holder.BaseAddress, stream) : null;

        public long ViewersElsewhere(string channelArn) => FindRemote(channelArn)?.Stream.ViewerCount ?? 0;
    }

    /// <summary>Streams said to be held at fixed addresses.</summary>
    private sealed class FixedLocator : IStreamLocator
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, RemoteStream> Streams { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<RemoteStream> RemoteStreams => [.. Streams.Values];

        public RemoteStream? FindRemote(string channelArn) => Streams.GetValueOrDefault(channelArn);

        public long ViewersElsewhere(string channelArn) => FindRemote(channelArn)?.Stream.ViewerCount ?? 0;
    }
}
