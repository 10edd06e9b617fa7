using System.IO.Compression;
using System.Security.Cryptography;

namespace OpenIvs.Server.Playback;

/// <summary>
/// A file of web/ embedded in this assembly at build time (see OpenIvs.Server.csproj), served with a content
/// hash for cache busting (<c>?v=</c>), an ETag, and gzip when the browser takes it. Used by the watch page
/// and the console.
/// </summary>
internal sealed class EmbeddedAsset
{
    private const string ResourcePrefix = "OpenIvs.Web/";

    public required string Name { get; init; }

    public required string ContentType { get; init; }

    public required byte[] Content { get; init; }

    /// <summary>Compressed once at start-up: hls.js shrinks to about a third.</summary>
    public byte[]? Gzip { get; init; }

    public required string Version { get; init; }

    public required string ETag { get; init; }

    public required string GzipETag { get; init; }

    public static EmbeddedAsset Load(string name)
    {
        var content = ReadResource(name);
        var version = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8));
        return new EmbeddedAsset
        {
            Name = name,
            ContentType = ContentTypeOf(name),
            Content = content,
            Gzip = Compress(content),
            Version = version,
            ETag = $"\"{version}\"",
            GzipETag = $"\"{version}-gz\"", // another representation, so another strong validator
        };
    }

    /// <summary>Replaces each <c>{{version:name}}</c> in a page template with that asset's content hash.</summary>
    public static string Stamp(string template, IEnumerable<EmbeddedAsset> assets)
    {
        foreach (var asset in assets)
        {
            template = template.Replace("{{version:" + asset.Name + "}}", asset.Version, StringComparison.Ordinal);
        }

        return template;
    }

    public Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var gzip = Gzip is not null && AcceptsGzip(request);
        var etag = gzip ? GzipETag : ETag;
        response.Headers.ETag = etag;
        response.Headers.Vary = "Accept-Encoding";
        response.Headers.XContentTypeOptions = "nosniff";

        // The page links each asset with ?v={content hash}: that URL never changes meaning, so it may be kept a year.
        // Without the current hash (a hand-typed URL, an older page), revalidate with the ETag every time.
        response.Headers.CacheControl = request.Query["v"] == Version ? "public, max-age=31536000, immutable" : "no-cache";
        // If-None-Match compares weakly: W/"x" matches "x" (EntityTagHeaderValue.Tag has no W/).
        if (request.GetTypedHeaders().IfNoneMatch.Any(t => t.Tag.Equals("*") || t.Tag.Equals(etag)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
            return WriteAsync(context, ContentType, Gzip!);
        }

        return WriteAsync(context, ContentType, Content);
    }

    public static Task WriteAsync(HttpContext context, string contentType, byte[] body)
    {
        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    public static byte[] ReadResource(string name)
    {
        using var stream = typeof(EmbeddedAsset).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"The web resource {name} is not embedded in OpenIvs.Server (see its .csproj).");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && (e.Quality ?? 1) > 0);

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static byte[] Compress(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }
}
