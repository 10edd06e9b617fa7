using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// <c>allowedCountries</c> of playback restriction policies over real HTTP: policies made with the AWS CLI, a live
/// stream published with ffmpeg and played with ffmpeg; the viewer (127.0.0.1) placed in a country by a MaxMind
/// database written by the test, or by a trusted proxy's header. Every playlist and media request is checked.
/// </summary>
public sealed class CountryRestrictionTests : IDisposable
{
    private const string CountryHeader = "CloudFront-Viewer-Country";
    private readonly string _directory = Directory.CreateTempSubdirectory("openivs-geo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TheDatabasePlacesTheViewerAndEveryRequestIsChecked()
    {
        var database = Path.Combine(_directory, "countries.mmdb");
        new MmdbWriter().Add("127.0.0.0/8", MmdbWriter.Country("FR")).Add("::1/128", MmdbWriter.Country("FR")).Write(database);
        await using var server = await TestServer.StartAsync(options => options.Geo.GeoIpDatabase = database);

        // The policy through the AWS CLI, as users make it.
        var policyArn = (string)(await AwsCliAsync(server, "create-playback-restriction-policy", "--allowed-countries", "FR", "BE", "--name", "francophone"))["playbackRestrictionPolicy"]!["arn"]!;
        var created = await server.CallAsync("CreateChannel", $$"""{"insecureIngest":true,"latencyMode":"LOW","playbackRestrictionPolicyArn":"{{policyArn}}"}""").OkAsync();
        var (arn, key, playbackUrl) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);

        // A viewer in France plays: a real player (ffmpeg) reads the stream, and every kind of URL answers.
        var multivariant = await WaitForPlaylistAsync(server, playbackUrl);
        var played = await RunToolAsync("ffmpeg", $"-hide_banner -loglevel error -i {playbackUrl} -t 2 -c copy -f null -");
        Assert.True(played.Code == 0, played.Output);
        var urls = await MediaUrlsAsync(server, playbackUrl, multivariant);
        foreach (var url in urls)
        {
            using var allowed = await server.Http.GetAsync(url);
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{url}: {(int)allowed.StatusCode}");
        }

        // The policy no longer lists France: the multivariant playlist, and every request of the running session, are refused.
        await AwsCliAsync(server, "update-playback-restriction-policy", "--arn", policyArn, "--allowed-countries", "DE");
        foreach (var url in urls.Prepend(playbackUrl))
        {
            await AssertGeoblockedAsync(server, url, "Content Restricted In Region");
        }

        var refused = await RunToolAsync("ffmpeg", $"-hide_banner -loglevel error -i {playbackUrl} -t 2 -c copy -f null -");
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("403", refused.Output, StringComparison.Ordinal);

        // An empty list is all countries again (IVS's default).
        await AwsCliAsync(server, "update-playback-restriction-policy", "--arn", policyArn, "--allowed-countries", "[]");
        foreach (var url in urls.Prepend(playbackUrl))
        {
            using var allowed = await server.Http.GetAsync(url);
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{url}: {(int)allowed.StatusCode}");
        }
    }

    [Fact]
    public async Task ATrustedProxysHeaderPlacesTheViewer()
    {
        await using var server = await TestServer.StartAsync(options =>
        {
            options.Geo.TrustedCountryHeader = CountryHeader;
            options.Geo.TrustedProxies = "127.0.0.1";
        });
        var policy = (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy", """{"allowedCountries":["BR"]}""").OkAsync())["playbackRestrictionPolicy"]!["arn"]!;
        var created = await server.CallAsync("CreateChannel", $$"""{"insecureIngest":true,"latencyMode":"LOW","containerFormat":"TS","playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync();
        var (arn, key, playbackUrl) = ((string)created["channel"]!["arn"]!, (string)created["streamKey"]!["value"]!, (string)created["channel"]!["playbackUrl"]!);
        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, key));
        await WaitUntilStartedAsync(server, arn);

        var multivariant = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await GetAsync(server, playbackUrl, "BR");
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            },
            text => text is not null,
            "the playback URL to answer a viewer in Brazil");
        var played = await RunToolAsync("ffmpeg", $"-hide_banner -loglevel error -headers \"{CountryHeader}: BR\r\n\" -i {playbackUrl} -t 2 -c copy -f null -");
        Assert.True(played.Code == 0, played.Output);

        foreach (var url in (await MediaUrlsAsync(server, playbackUrl, multivariant!, "BR")).Prepend(playbackUrl))
        {
            using var allowed = await GetAsync(server, url, "br");
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{url}: {(int)allowed.StatusCode}");
            await AssertGeoblockedAsync(server, url, "Content Restricted In Region", "US");
            await AssertGeoblockedAsync(server, url, "Content Restricted In Region: the country of the viewer is unknown", null);
        }
    }

    [Fact]
    public async Task AHeaderFromAnUntrustedAddressIsIgnored()
    {
        await using var server = await TestServer.StartAsync(options =>
        {
            options.Geo.TrustedCountryHeader = CountryHeader;
            options.Geo.TrustedProxies = "10.0.0.0/8, 2001:db8::/32";
        });
        var policy = (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy", """{"allowedCountries":["BR"]}""").OkAsync())["playbackRestrictionPolicy"]!["arn"]!;
        var playbackUrl = (string)(await server.CallAsync("CreateChannel", $$"""{"playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync())["channel"]!["playbackUrl"]!;

        // 127.0.0.1 is not a trusted proxy: its header is not believed, and nothing else tells its country.
        await AssertGeoblockedAsync(server, playbackUrl, "Content Restricted In Region: the country of the viewer is unknown", "BR");
    }

    [Fact]
    public async Task WithoutASourceARestrictingPolicyRefusesEveryViewerAndTheStartSaysSo()
    {
        var logs = new CapturingLoggerProvider();
        var data = Path.Combine(_directory, "data");
        string policy;
        await using (var first = await TestServer.StartAsync(dataDirectory: data))
        {
            policy = (string)(await first.CallAsync("CreatePlaybackRestrictionPolicy", """{"allowedCountries":["FR"],"allowedOrigins":["https://good.example"]}""").OkAsync())["playbackRestrictionPolicy"]!["arn"]!;
        }

        await using var server = await TestServer.StartAsync(dataDirectory: data, logs: logs);
        Assert.Contains(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("Country restrictions cannot be enforced without a source", StringComparison.Ordinal) && line.Contains("Count=1", StringComparison.Ordinal));

        var restricted = (string)(await server.CallAsync("CreateChannel", $$"""{"playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync())["channel"]!["playbackUrl"]!;
        using var request = new HttpRequestMessage(HttpMethod.Get, restricted);
        request.Headers.Add("Origin", "https://good.example");
        using var response = await server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("content_geoblocked", (string?)JsonNode.Parse(body)!.AsArray()[0]!["error_code"]);
        Assert.Contains("has no source of viewer countries", body, StringComparison.Ordinal);
        Assert.Equal("https://good.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single()); // the allowed page may read why

        // A policy without countries is not affected: the offline channel answers 404 as usual.
        var open = (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy", """{"allowedCountries":[]}""").OkAsync())["playbackRestrictionPolicy"]!["arn"]!;
        var openUrl = (string)(await server.CallAsync("CreateChannel", $$"""{"playbackRestrictionPolicyArn":"{{open}}"}""").OkAsync())["channel"]!["playbackUrl"]!;
        using var offline = await server.Http.GetAsync(openUrl);
        Assert.Equal(HttpStatusCode.NotFound, offline.StatusCode);

        // Private channels ignore playback restriction policies (IVS: geo checks belong in the token issuer).
        var privateUrl = (string)(await server.CallAsync("CreateChannel", $$"""{"authorized":true,"playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync())["channel"]!["playbackUrl"]!;
        using var tokenless = await server.Http.GetAsync(privateUrl);
        Assert.Equal("invalid_playback_auth_token", (string?)JsonNode.Parse(await tokenless.Content.ReadAsStringAsync())!.AsArray()[0]!["error_code"]);
    }

    private static async Task<JsonNode> AwsCliAsync(TestServer server, params string[] arguments)
    {
        var (code, output, error) = await RealClients.AwsAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey, arguments);
        Assert.True(code == 0, $"aws ivs {string.Join(' ', arguments)}: {error}");
        return JsonNode.Parse(output)!;
    }

    /// <summary>The media playlist, its init section (fMP4), parts and a segment, all with the session parameter.</summary>
    private static async Task<List<string>> MediaUrlsAsync(TestServer server, string playbackUrl, string multivariant, string? country = null)
    {
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant);
        using var response = await GetAsync(server, mediaUrl, country);
        var media = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, media);
        var query = new Uri(mediaUrl).Query;
        var baseUrl = mediaUrl[..mediaUrl.IndexOf("index.m3u8", StringComparison.Ordinal)];
        var files = Regex.Matches(media, "URI=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Where(f => !f.Contains('?')).Take(3).ToList();
        files.AddRange(media.Split('\n').Where(l => l.StartsWith("seg", StringComparison.Ordinal)).Take(1));
        Assert.True(files.Count >= 2, media);
        return [mediaUrl, .. files.Select(f => baseUrl + f + query)];
    }

    private static async Task AssertGeoblockedAsync(TestServer server, string url, string error, string? country = null)
    {
        using var response = await GetAsync(server, url, country, origin: "https://any.example");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{url} from {country ?? "nowhere"}: {(int)response.StatusCode} {body}");
        var problem = JsonNode.Parse(body)!.AsArray()[0]!;
        Assert.Equal("content_geoblocked", (string?)problem["error_code"]);
        Assert.Equal(error, (string?)problem["error"]);
        Assert.Equal("error", (string?)problem["type"]);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single()); // no origin restriction: any page may read why
    }

    private static Task<HttpResponseMessage> GetAsync(TestServer server, string url, string? country, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (country is not null)
        {
            request.Headers.Add(CountryHeader, country);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return server.Http.SendAsync(request);
    }
}
