using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using OpenIvs.Protocol.Model;
using System.Text.Json;
using OpenIvs.Protocol.Errors;
using OpenIvs.Server.Api;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Cluster;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Streams;

using OpenIvs.Server.Auth;

namespace OpenIvs.Server.WebConsole;

/// <summary>
/// The web console (README "Console"): <c>GET /console</c> is the page (web/console.html) and
/// <c>/console/assets/</c> its script, style, hls.js and uPlot, embedded at build time. <c>/console/session</c>
/// signs in (a SigV4-signed POST, verified like any API call: the secret never leaves the browser), tells who
/// is signed in (GET) and signs out (DELETE). <c>/console/health</c> gives a live channel's ingest figures for
/// the charts, asked of the node holding the stream when that is another node of the cluster. Everything else the
/// console does is an ordinary IVS API call with the session cookie.
/// </summary>
public sealed class ConsoleEndpoint
{
    public const string PathPrefix = "/console";
    private const string AssetPrefix = "/console/assets/";
    private const int MaxSignInBody = 4096;

    // Own scripts and styles only; media from the playback origin (hls.js: MSE via blob:, a blob: worker; data: for the
    // empty <track src="data:,WEBVTT"> it adds for ID3 metadata).
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: data:; " +
        "worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; connect-src 'self'";

    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.Default };

    private readonly ConsoleOptions _options;
    private readonly IServiceProvider _services;
    private readonly ConsoleSessions? _sessions;
    private readonly LiveStreamHub _hub;
    private readonly FrozenDictionary<string, EmbeddedAsset> _assets;
    private readonly byte[] _page;

    public ConsoleEndpoint(ConsoleOptions options, Resources.ServiceAccount account, Auth.AuthenticationMode authentication, IServiceProvider services, LiveStreamHub hub)
    {
        _options = options;
        _services = services;
        _hub = hub;
        _sessions = services.GetService<ConsoleSessions>();
        _assets = new[] { "console.js", "console.css", "hls.min.js", "uPlot.iife.min.js", "uPlot.min.css" }
            .Select(EmbeddedAsset.Load)
            .ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);
        var config = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["region"] = account.Region,
            ["accountId"] = account.AccountId,
            ["auth"] = authentication.Name,
        });
        var template = EmbeddedAsset.Stamp(Encoding.UTF8.GetString(EmbeddedAsset.ReadResource("console.html")), _assets.Values);
        // The serializer's default encoder escapes <, >, & and quotes, so the JSON cannot close its <script> element.
        _page = Encoding.UTF8.GetBytes(template.Replace("{{config}}", config, StringComparison.Ordinal));
    }

    public Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var method = context.Request.Method;
        var response = context.Response;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        if (path is "/console" or "/console/")
        {
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.XFrameOptions = "DENY";
            return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
                ? EmbeddedAsset.WriteAsync(context, "text/html; charset=utf-8", _page)
                : MethodNotAllowedAsync(context);
        }

        if (path.StartsWith(AssetPrefix, StringComparison.Ordinal))
        {
            return _assets.TryGetValue(path[AssetPrefix.Length..], out var asset) ? asset.ServeAsync(context) : NotFoundAsync(context);
        }

        return path switch
        {
            "/console/session" when HttpMethods.IsPost(method) => SignInAsync(context),
            "/console/session" when HttpMethods.IsGet(method) => WhoAmIAsync(context),
            "/console/session" when HttpMethods.IsDelete(method) => SignOutAsync(context),
            "/console/health" when HttpMethods.IsGet(method) => HealthAsync(context),
            "/console/session" or "/console/health" => MethodNotAllowedAsync(context),
            _ => NotFoundAsync(context),
        };
    }

    /// <summary>Verifies the page's SigV4-signed sign-in request, then sets the session cookie.</summary>
    private async Task SignInAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        if (_sessions is null)
        {
            await WriteJsonAsync(context, 200, w => w.WriteString("principal", "anonymous (authentication is off)")).ConfigureAwait(false);
            return;
        }

        try
        {
            var body = await ReadBodyAsync(context.Request).ConfigureAwait(false);
            var authenticator = _services.GetRequiredService<Auth.SigV4Authenticator>();
            var principal = (IamPrincipal)(await authenticator.AuthenticateAsync(context, body, context.RequestAborted).ConfigureAwait(false))!;
            var session = _sessions.Create(AccessKeyIdOf(context.Request), principal);
            context.Response.Cookies.Append(ConsoleSessions.CookieName, session.Id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                Path = "/",
                MaxAge = _options.SessionLifetime,
            });
            await WriteSessionAsync(context, session).ConfigureAwait(false);
        }
        catch (IvsException e)
        {
            await IvsApiEndpoint.WriteErrorAsync(context.Response, e).ConfigureAwait(false);
        }
    }

    private Task WhoAmIAsync(HttpContext context)
    {
        if (_sessions is null)
        {
            return WriteJsonAsync(context, 200, w => w.WriteString("principal", "anonymous (authentication is off)"));
        }

        var session = _sessions.Find(context.Request.Cookies[ConsoleSessions.CookieName]);
        return session is null
            ? IvsApiEndpoint.WriteErrorAsync(context.Response, new IvsException("Not signed in.", "ExpiredTokenException", 401, IvsErrorFault.Client))
            : WriteSessionAsync(context, session);
    }

    private Task SignOutAsync(HttpContext context)
    {
        var id = context.Request.Cookies[ConsoleSessions.CookieName];
        var session = _sessions?.Find(id);
        if (session is not null && context.Request.Headers[ConsoleSessions.CsrfHeader] == session.CsrfToken)
        {
            _sessions!.Remove(id);
        }

        context.Response.Cookies.Delete(ConsoleSessions.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    /// <summary>A live channel's ingest figures for the charts; authorized as <c>ivs:GetStream</c> on the channel.</summary>
    private async Task HealthAsync(HttpContext context)
    {
        try
        {
            var arn = (string?)context.Request.Query["channelArn"] ?? throw new ValidationException("channelArn is required.");
            var principal = await _services.GetRequiredService<IRequestAuthenticator>()
                .AuthenticateAsync(context, ReadOnlyMemory<byte>.Empty, context.RequestAborted).ConfigureAwait(false);
            if (principal is not null && !_services.GetRequiredService<IRequestAuthorizer>().IsAllowed(principal, "ivs:GetStream", arn))
            {
                throw new AccessDeniedException($"User: {principal} is not authorized to perform: ivs:GetStream on resource: {arn}");
            }

            var figures = _hub.Find(arn) is { } stream ? LiveFigures.Of(stream) : await RemoteFiguresAsync(arn, context.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(context, 200, w =>
            {
                w.WriteBoolean("live", figures is not null);
                if (figures is null)
                {
                    return;
                }

                w.WriteString("streamId", figures.StreamId);
                w.WriteString("health", figures.Health);
                w.WriteNumber("videoBitrate", figures.VideoBitrate);
                w.WriteNumber("audioBitrate", figures.AudioBitrate);
                w.WriteNumber("frameRate", figures.FrameRate);
                w.WriteNumber("keyframeInterval", figures.KeyframeInterval);
                w.WriteNumber("viewers", figures.Viewers);
            }).ConfigureAwait(false);
        }
        catch (IvsException e)
        {
            await IvsApiEndpoint.WriteErrorAsync(context.Response, e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The figures of a stream another node of the cluster holds, as that node measures them (a signed request to it,
    /// <see cref="NodeClient.FiguresAsync"/>); null when no node holds the channel live.
    /// </summary>
    private async Task<LiveFigures?> RemoteFiguresAsync(string channelArn, CancellationToken cancellationToken)
    {
        if (_services.GetRequiredService<IStreamLocator>().FindRemote(channelArn) is not { } holder)
        {
            return null;
        }

        try
        {
            return await _services.GetRequiredService<NodeClient>().FiguresAsync(holder, cancellationToken).ConfigureAwait(false);
        }
        catch (NodeUnreachableException)
        {
            throw new StreamUnavailable($"The node ingesting the stream ({holder.NodeId}) did not answer. Try again.");
        }
    }

    private static Task WriteSessionAsync(HttpContext context, ConsoleSession session) =>
        WriteJsonAsync(context, 200, w =>
        {
            w.WriteString("principal", session.PrincipalArn);
            w.WriteString("accessKeyId", session.AccessKeyId);
            w.WriteString("expiresAt", session.ExpiresAt);
            w.WriteString("csrfToken", session.CsrfToken);
        });

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxSignInBody)
        {
            throw new ValidationException($"The sign-in request is larger than {MaxSignInBody} bytes.");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.Length > MaxSignInBody ? throw new ValidationException("The sign-in request is too large.") : buffer.ToArray();
    }

    /// <summary>The access key id from <c>Credential=AKID/date/region/ivs/aws4_request</c> (verified already).</summary>
    private static string AccessKeyIdOf(HttpRequest request)
    {
        var authorization = (string?)request.Headers.Authorization ?? string.Empty;
        var start = authorization.IndexOf("Credential=", StringComparison.Ordinal) + "Credential=".Length;
        var end = authorization.IndexOf('/', start);
        return authorization[start..end];
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Json))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        await EmbeddedAsset.WriteAsync(context, "application/json", buffer.ToArray()).ConfigureAwait(false);
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static Task MethodNotAllowedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        return Task.CompletedTask;
    }
}
