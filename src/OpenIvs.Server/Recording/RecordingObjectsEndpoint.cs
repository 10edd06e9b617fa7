using Microsoft.Extensions.Primitives;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Serves the embedded destination read-only at <c>/_openivs/s3/&lt;bucket&gt;/&lt;key&gt;</c> (GET and HEAD, byte
/// ranges, CORS), so a recording plays in a browser straight away. A public channel's recordings
/// (<c>ivs/v1/&lt;account&gt;/&lt;channel id&gt;/...</c>) are as open as its live stream; a private channel's need a
/// valid playback token for that channel (<c>?token=</c>); anything else needs a SigV4-signed or presigned
/// request (service <c>s3</c>) from a known key.
/// </summary>
internal sealed class RecordingObjectsEndpoint(
    LocalRecordingDestinations local, ResourceTables resources, PlaybackAuthorizer playback, IamDirectory keys, ServiceAccount account, AuthenticationMode authentication, TimeProvider time)
{
    public const string PathPrefix = "/_openivs/s3/";
    private readonly SigV4Verifier _verifier = new(account.Region, "s3", time) { AcceptUnsignedPayload = true };

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = "Content-Length, Content-Range, ETag, Last-Modified";
        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers.AccessControlAllowMethods = "GET, HEAD";
            response.Headers.AccessControlAllowHeaders = "Range, Authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token";
            response.Headers.AccessControlMaxAge = "86400";
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD, OPTIONS";
            await ErrorAsync(response, StatusCodes.Status405MethodNotAllowed, "MethodNotAllowed", "The recordings are read-only.").ConfigureAwait(false);
            return;
        }

        var path = request.Path.Value![PathPrefix.Length..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var file = slash > 0 ? local.PathOf(path[..slash], path[(slash + 1)..]) : null;
        if (file is null)
        {
            await ErrorAsync(response, StatusCodes.Status404NotFound, "NoSuchKey", "The specified key does not exist.").ConfigureAwait(false);
            return;
        }

        if (!Allowed(context, path[(slash + 1)..], out var refusal))
        {
            await ErrorAsync(response, StatusCodes.Status403Forbidden, "AccessDenied", refusal).ConfigureAwait(false);
            return;
        }

        if (!File.Exists(file))
        {
            await ErrorAsync(response, StatusCodes.Status404NotFound, "NoSuchKey", "The specified key does not exist.").ConfigureAwait(false);
            return;
        }

        // Playlists change while recording: players must not cache them; media files never change.
        response.Headers.CacheControl = file.EndsWith(".m3u8", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal) ? "no-cache" : "max-age=31536000";
        await Results.File(file, RecordingUploader.ContentType(file), enableRangeProcessing: true).ExecuteAsync(context).ConfigureAwait(false);
    }

    private bool Allowed(HttpContext context, string key, out string refusal)
    {
        refusal = string.Empty;
        if (!authentication.Required)
        {
            return true;
        }

        var request = context.Request;
        var signed = request.Headers.Authorization.Count > 0 || request.Query.ContainsKey("X-Amz-Signature");
        if (signed)
        {
            var verification = _verifier.Verify(SigV4Authenticator.ToSigV4Request(context, ReadOnlyMemory<byte>.Empty), keys);
            refusal = verification.Succeeded ? string.Empty : "The request signature is not valid.";
            return verification.Succeeded;
        }

        // ivs/v1/<account>/<channel id>/...: the channel's own rules, as for its live stream.
        var parts = key.Split('/');
        if (parts.Length > 4 && parts[0] == "ivs" && parts[1] == "v1" && parts[2] == account.AccountId
            && resources.Channels.TryGet(parts[3], out var channel))
        {
            var token = request.Query["token"];
            var (grant, error, _) = playback.Authorize(channel.Channel, StringValues.IsNullOrEmpty(token) ? null : token.ToString(), context);
            refusal = error ?? string.Empty;
            return grant is not null;
        }

        refusal = "Access to this object needs a signed request.";
        return false;
    }

    private static Task ErrorAsync(HttpResponse response, int status, string code, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/xml";
        var body = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error>";
        return response.WriteAsync(body);
    }
}
