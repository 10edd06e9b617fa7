using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Playback;

/// <summary>
/// The watch page: <c>GET /watch/{channelId}</c> is a small HTML player (web/watch.html) for the channel's
/// playback URL, and <c>GET /watch/assets/{name}</c> serves its script, style and hls.js. All of them are
/// embedded in this assembly at build time (see OpenIvs.Server.csproj), so no CDN is needed at run time.
/// </summary>
public sealed partial class WatchPage
{
    private const string PagePrefix = "/watch/";
    private const string AssetPrefix = "/watch/assets/";
    private const string RecordingsPath = "/_openivs/recordings/";

    // The page may only load its own scripts and styles; media comes from the channel's playback origin
    // (hls.js fetches it, then feeds MSE through blob: URLs and transmuxes in a blob: worker). media-src data: for the
    // empty <track src="data:,WEBVTT"> hls.js adds for ID3 metadata (every TS segment starts with an ID3 timestamp tag).
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: data:; " +
        "worker-src blob:; base-uri 'none'; form-action 'none'; connect-src 'self'";

    private static readonly JsonWriterOptions ConfigJson = new() { Encoder = JavaScriptEncoder.Default };

    private readonly ResourceTables _resources;
    private readonly FrozenDictionary<string, EmbeddedAsset> _assets;
    private readonly string _template;

    public WatchPage(ResourceTables resources)
    {
        _resources = resources;
        _assets = new[] { "watch.js", "watch.css", "hls.min.js" }
            .Select(EmbeddedAsset.Load)
            .ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

        // Asset URLs carry a content hash (?v=), so browsers may cache them for good and still see a new build.
        _template = EmbeddedAsset.Stamp(Encoding.UTF8.GetString(EmbeddedAsset.ReadResource("watch.html")), _assets.Values);
    }

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        var path = request.Path.Value ?? string.Empty;
        if (path.StartsWith(AssetPrefix, StringComparison.Ordinal))
        {
            return _assets.TryGetValue(path[AssetPrefix.Length..], out var asset)
                ? asset.ServeAsync(context)
                : NotFoundAsync(context, "No such file.");
        }

        var channelId = path.StartsWith(PagePrefix, StringComparison.Ordinal) ? path[PagePrefix.Length..] : string.Empty;
        if (channelId.Length == 0 || channelId.Contains('/', StringComparison.Ordinal) ||
            !_resources.Channels.TryGet(channelId, out var record) || string.IsNullOrEmpty(record.Channel.PlaybackUrl))
        {
            return NotFoundAsync(context, "No such channel.");
        }

        var channel = record.Channel;
        response.Headers.CacheControl = "no-cache"; // the playback URL changes when the public names are reconfigured
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy + PlaybackOrigin(channel.PlaybackUrl);
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        return EmbeddedAsset.WriteAsync(context, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(RenderPage(channelId, channel)));
    }

    /// <summary>The page for one channel: its name HTML-encoded, its settings as escaped JSON.</summary>
    internal string RenderPage(string channelId, Channel channel)
    {
        var title = HtmlEncoder.Default.Encode(string.IsNullOrEmpty(channel.Name) ? channelId : channel.Name);
        var config = PageConfig(channelId, channel.PlaybackUrl ?? string.Empty, channel.Authorized == true);

        // One pass, so text inserted for one placeholder is never scanned for another.
        return Placeholder().Replace(_template, m => m.Groups[1].Value == "title" ? title : config);
    }

    /// <summary>
    /// The page's settings as JSON for a <c>&lt;script type="application/json"&gt;</c> element. The encoder
    /// escapes &lt;, &gt;, &amp; and quotes, so no value (a channel name, say) can close the element.
    /// </summary>
    internal static string PageConfig(string channelId, string playbackUrl, bool authorized)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ConfigJson))
        {
            json.WriteStartObject();
            json.WriteString("channelId", channelId);
            json.WriteString("playbackUrl", playbackUrl);
            json.WriteBoolean("authorized", authorized);
            json.WriteString("recordingsUrl", RecordingsPath + channelId); // the channel's recordings (Recording/RecordingListEndpoint)
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The playback URL's origin, when it is not the page's own (a separate playback host name).</summary>
    private static string PlaybackOrigin(string playbackUrl) =>
        Uri.TryCreate(playbackUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? " " + uri.GetLeftPart(UriPartial.Authority)
            : string.Empty;

    private static Task NotFoundAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var html = $"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found · OpenIVS</title></head>" +
                   $"<body><h1>Not found</h1><p>{message}</p></body></html>\n";
        return EmbeddedAsset.WriteAsync(context, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));
    }

    [GeneratedRegex(@"\{\{(title|config)\}\}")]
    private static partial Regex Placeholder();
}
