using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Playback;

public partial class WatchPageTests
{
    [Fact]
    public async Task ThePageCarriesTheChannelsPlaybackUrlAndLinksItsVersionedAssets()
    {
        await using var server = await TestServer.StartAsync();
        var channel = (await server.CallAsync("CreateChannel", """{"name":"demo-1","authorized":true}""").OkAsync())["channel"]!;
        var id = ChannelId((string)channel["arn"]!);

        // The page needs no signature: viewers are not API callers.
        using var response = await server.Http.GetAsync($"/watch/{id}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var config = Config(html);
        Assert.Equal((string)channel["playbackUrl"]!, (string?)config["playbackUrl"]);
        Assert.EndsWith($"/api/video/v1/us-west-2.000000000000.channel.{id}.m3u8", (string?)config["playbackUrl"]);
        Assert.Equal(id, (string?)config["channelId"]);
        Assert.True((bool)config["authorized"]!);
        Assert.Contains("<title>demo-1 · OpenIVS</title>", html);
        Assert.DoesNotContain("{{", html);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains($"connect-src 'self' {server.BaseAddress.GetLeftPart(UriPartial.Authority)}", csp);

        // Every linked asset exists under /watch/assets/ with the hash the page names, and may be cached for good.
        var links = AssetLink().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["assets/watch.css", "assets/hls.min.js", "assets/watch.js"], links.Select(l => l[..l.IndexOf('?', StringComparison.Ordinal)]));
        foreach (var link in links)
        {
            using var asset = await server.Http.GetAsync($"/watch/{link}");
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
            Assert.Contains(link[(link.IndexOf("?v=", StringComparison.Ordinal) + 3)..], asset.Headers.ETag!.Tag);
        }
    }

    [Fact]
    public void ChannelDataIsEscapedInTheTitleAndInTheScriptElement()
    {
        // IVS channel names cannot hold markup today; the page must stay safe if names or URLs ever can.
        var page = new WatchPage(new ResourceTables());
        var hostile = "</script><script>alert(1)</script><!--&\"'";
        var html = page.RenderPage("abcdEFGH1234", new Channel { Name = hostile, PlaybackUrl = "https://x.example/a.m3u8?q=</script>&'\"", Authorized = false });

        Assert.DoesNotContain("alert(1)</script>", html);
        Assert.Equal(3, Regex.Count(html, "</script>")); // the page's own three script elements, nothing more
        Assert.DoesNotContain("<!--&", html);
        Assert.Contains("&lt;/script&gt;&lt;script&gt;alert(1)", html);
        var config = Config(html);
        Assert.Equal("https://x.example/a.m3u8?q=</script>&'\"", (string?)config["playbackUrl"]);
        Assert.False((bool)config["authorized"]!);

        // Text inserted for one placeholder is never expanded again.
        var braces = page.RenderPage("abcdEFGH1234", new Channel { Name = "{{config}}", PlaybackUrl = "{{title}}" });
        Assert.Contains("<title>{{config}} · OpenIVS</title>", braces);
        Assert.Equal("{{title}}", (string?)Config(braces)["playbackUrl"]);
    }

    [Theory]
    [InlineData("/watch/AAAAAAAAAAAA")]
    [InlineData("/watch/")]
    [InlineData("/watch/assets/nope.js")]
    [InlineData("/watch/assets/")]
    public async Task UnknownChannelsAndAssetsAre404(string path)
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnExistingChannelWithAnExtraPathSegmentIs404()
    {
        await using var server = await TestServer.StartAsync();
        var id = ChannelId((string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!);

        using var ok = await server.Http.GetAsync($"/watch/{id}");
        using var extra = await server.Http.GetAsync($"/watch/{id}/x");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, extra.StatusCode);
    }

    [Fact]
    public async Task HlsJsIsServedWithContentTypeValidatorsGzipAndHead()
    {
        await using var server = await TestServer.StartAsync();

        using var get = await server.Http.GetAsync("/watch/assets/hls.min.js");
        var script = await get.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("text/javascript", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", get.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-cache", get.Headers.CacheControl?.ToString()); // no ?v=: revalidate
        Assert.True(script.Length > 100_000, $"hls.min.js is only {script.Length} bytes");
        Assert.Contains("lowLatencyMode", System.Text.Encoding.UTF8.GetString(script));
        var etag = get.Headers.ETag!;
        Assert.False(etag.IsWeak);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/watch/assets/hls.min.js");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await server.Http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, "/watch/assets/hls.min.js");
        gzipRequest.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var gzipped = await server.Http.SendAsync(gzipRequest);
        var compressed = await gzipped.Content.ReadAsByteArrayAsync();
        Assert.Equal("gzip", gzipped.Content.Headers.ContentEncoding.Single());
        Assert.NotEqual(etag.Tag, gzipped.Headers.ETag!.Tag);
        Assert.True(compressed.Length < script.Length / 2, $"{compressed.Length} of {script.Length}");
        using (var inflate = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var inflated = new MemoryStream())
        {
            await inflate.CopyToAsync(inflated);
            Assert.Equal(script, inflated.ToArray());
        }

        using var refused = new HttpRequestMessage(HttpMethod.Get, "/watch/assets/hls.min.js");
        refused.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip", 0));
        using var identity = await server.Http.SendAsync(refused);
        Assert.Empty(identity.Content.Headers.ContentEncoding);

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/watch/assets/hls.min.js"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(script.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var css = await server.Http.GetAsync("/watch/assets/watch.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using var js = await server.Http.GetAsync("/watch/assets/watch.js");
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lowLatencyMode: true", await js.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OtherMethodsAre405()
    {
        await using var server = await TestServer.StartAsync();
        var id = ChannelId((string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!);

        foreach (var path in new[] { $"/watch/{id}", "/watch/assets/hls.min.js" })
        {
            using var post = await server.Http.PostAsync(path, new StringContent("x"));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal(["GET", "HEAD"], post.Content.Headers.Allow.Order());
        }

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/watch/{id}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(head.Content.Headers.ContentLength > 0);
    }

    private static string ChannelId(string arn) => arn[(arn.LastIndexOf('/') + 1)..];

    private static JsonNode Config(string html)
    {
        var match = ConfigElement().Match(html);
        Assert.True(match.Success, html);
        return JsonNode.Parse(match.Groups[1].Value)!;
    }

    [GeneratedRegex("""<script id="openivs-config" type="application/json">(.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ConfigElement();

    [GeneratedRegex("""(?:href|src)="(assets/[^"]+)""")]
    private static partial Regex AssetLink();
}
