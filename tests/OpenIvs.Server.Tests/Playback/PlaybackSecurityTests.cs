using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// Secure defaults of the HLS origin: malformed tokens are refused (403, never 500), CORS headers follow the
/// channel's policy on every response (errors included), and strict origin enforcement covers every request.
/// </summary>
public class PlaybackSecurityTests
{
    private const string Good = "https://good.example";
    private const string Evil = "https://evil.example";

    [Theory]
    [InlineData("a.b.c")]
    [InlineData("abc.def.ghi")]
    [InlineData("%25%25.%25%25.%25%25")]
    [InlineData("e30.e30.e30")]
    [InlineData("eyJhbGciOiJFUzM4NCJ9.__8.AAAA")]
    public async Task AMalformedTokenIsA403(string token)
    {
        await using var server = await TestServer.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = key.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var playbackUrl = (string)(await server.CallAsync("CreateChannel", """{"authorized":true}""").OkAsync())["channel"]!["playbackUrl"]!;

        foreach (var url in new[] { $"{playbackUrl}?token={token}", $"{playbackUrl}?token={new string('a', 3000)}.{token}.{new string('b', 3000)}" })
        {
            using var response = await server.Http.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{url}: {(int)response.StatusCode} {body}");
            Assert.Equal("invalid_playback_auth_token", (string?)JsonNode.Parse(body)!.AsArray()[0]!["error_code"]);
        }
    }

    [Fact]
    public async Task ErrorsNeverEchoAnOriginThePolicyDoesNotAllow()
    {
        await using var server = await TestServer.StartAsync();
        var policy = await PolicyAsync(server, strict: false);
        var publicUrl = (string)(await server.CallAsync("CreateChannel", $$"""{"playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync())["channel"]!["playbackUrl"]!;
        var privateUrl = (string)(await server.CallAsync("CreateChannel", $$"""{"authorized":true,"playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync())["channel"]!["playbackUrl"]!;
        var privateOpenUrl = (string)(await server.CallAsync("CreateChannel", """{"authorized":true}""").OkAsync())["channel"]!["playbackUrl"]!;

        // Offline (404) and refused (403) answers: the allowed origin may read them, another origin gets no CORS header.
        foreach (var (url, status) in new[] { (publicUrl, 404), (privateUrl + "?token=a.b.c", 403), (privateUrl, 403) })
        {
            using var evil = await GetAsync(server, url, Evil);
            Assert.Equal(status, (int)evil.StatusCode);
            Assert.False(evil.Headers.Contains("Access-Control-Allow-Origin"), $"{url} from {Evil}: {evil.Headers}");

            using var good = await GetAsync(server, url, Good);
            Assert.Equal(status, (int)good.StatusCode);
            Assert.Equal(Good, good.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        // A private channel without a policy lets any page read its errors, but never by echoing the request's origin.
        using var open = await GetAsync(server, privateOpenUrl + "?token=a.b.c", Evil);
        Assert.Equal(HttpStatusCode.Forbidden, open.StatusCode);
        Assert.Equal("*", open.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // Preflights follow the policy too.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, publicUrl);
        preflight.Headers.Add("Origin", Evil);
        using var preflightResponse = await server.Http.SendAsync(preflight);
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("FRAGMENTED_MP4")]
    [InlineData("TS")]
    public async Task StrictOriginEnforcementCoversEveryRequest(string containerFormat)
    {
        await using var server = await TestServer.StartAsync();
        var policy = await PolicyAsync(server, strict: true);
        var created = await server.CallAsync("CreateChannel",
            $$"""{"insecureIngest":true,"latencyMode":"LOW","containerFormat":"{{containerFormat}}","playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync();
        var (arn, key, playbackUrl) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);

        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(server, playbackUrl, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(server, playbackUrl, Evil)).StatusCode);
        var multivariant = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await GetAsync(server, playbackUrl, Good);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            },
            text => text is not null,
            "the playback URL to answer the allowed origin");
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant!);
        Assert.Contains("?s=", mediaUrl, StringComparison.Ordinal);
        using var mediaResponse = await GetAsync(server, mediaUrl, Good);
        Assert.Equal(Good, mediaResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var media = await mediaResponse.Content.ReadAsStringAsync();
        var baseUrl = mediaUrl[..mediaUrl.IndexOf("index.m3u8", StringComparison.Ordinal)];
        var files = new List<string> { "index.m3u8" };
        files.AddRange(Regex.Matches(media, "URI=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Where(f => !f.Contains('?')).Take(3));
        files.AddRange(media.Split('\n').Where(l => l.StartsWith("seg", StringComparison.Ordinal)).Take(1));
        Assert.True(files.Count >= 3, media);

        foreach (var file in files)
        {
            foreach (var query in new[] { string.Empty, "?s=forged-session-id", "?" + new Uri(mediaUrl).Query.TrimStart('?') })
            {
                var url = baseUrl + file + query;
                foreach (var origin in new string?[] { null, Evil })
                {
                    using var refused = await GetAsync(server, url, origin);
                    Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{url} from {origin ?? "no origin"}: {(int)refused.StatusCode}");
                    Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"), url);
                }

                using var allowed = await GetAsync(server, url, Good);
                Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{url} from {Good}: {(int)allowed.StatusCode}");
                Assert.Equal(Good, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
            }
        }

        // The policy is read on every request: once it no longer lists the origin, the running session stops too.
        await server.CallAsync("UpdatePlaybackRestrictionPolicy", $$"""{"arn":"{{policy}}","allowedOrigins":["https://other.example"]}""").OkAsync();
        using var afterUpdate = await GetAsync(server, mediaUrl, Good);
        Assert.Equal(HttpStatusCode.Forbidden, afterUpdate.StatusCode);
        Assert.False(afterUpdate.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<string> PolicyAsync(TestServer server, bool strict)
    {
        var created = await server.CallAsync("CreatePlaybackRestrictionPolicy",
            $$"""{"allowedOrigins":["{{Good}}"],"enableStrictOriginEnforcement":{{(strict ? "true" : "false")}}}""").OkAsync();
        return (string)created["playbackRestrictionPolicy"]!["arn"]!;
    }

    private static Task<HttpResponseMessage> GetAsync(TestServer server, string url, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return server.Http.SendAsync(request);
    }
}
