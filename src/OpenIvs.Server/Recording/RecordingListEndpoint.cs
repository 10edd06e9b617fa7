using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Recording;

/// <summary>
/// <c>GET /_openivs/recordings/&lt;channel id&gt;</c>: a channel's recordings in the embedded destination, newest first,
/// as JSON for the watch page (status, times, duration, the playlist and a thumbnail under <c>/_openivs/s3/</c>).
/// Readable by whoever may watch the channel: anyone for a public channel (its playback restriction policy's
/// origins apply), a viewer with a playback token for it for a private one. Recordings in an S3 service are
/// not listed: OpenIVS does not serve them.
/// </summary>
internal sealed class RecordingListEndpoint(LocalRecordingDestinations local, ResourceTables resources, PlaybackAuthorizer playback, ServiceAccount account, AuthenticationMode authentication)
{
    public const string PathPrefix = "/_openivs/recordings/";
    private const int MaxListed = 200;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.CacheControl = "no-cache";
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await ErrorAsync(response, StatusCodes.Status405MethodNotAllowed, "The recordings list is read-only.").ConfigureAwait(false);
            return;
        }

        var channelId = request.Path.Value![PathPrefix.Length..];
        if (channelId.Length == 0 || channelId.Contains('/', StringComparison.Ordinal) || !resources.Channels.TryGet(channelId, out var record))
        {
            await ErrorAsync(response, StatusCodes.Status404NotFound, "No such channel.").ConfigureAwait(false);
            return;
        }

        if (authentication.Required)
        {
            var token = request.Query["token"];
            var (grant, error, _) = playback.Authorize(record.Channel, StringValues.IsNullOrEmpty(token) ? null : token.ToString(), context);
            if (grant is null)
            {
                await ErrorAsync(response, StatusCodes.Status403Forbidden, error ?? "Not allowed.").ConfigureAwait(false);
                return;
            }
        }

        var list = new JsonArray([.. List(channelId).Take(MaxListed)]);
        response.ContentType = "application/json";
        await response.WriteAsync(new JsonObject { ["recordings"] = list }.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>Every recording of the channel in every bucket of the embedded destination, newest first.</summary>
    internal IEnumerable<JsonObject> List(string channelId)
    {
        if (!Directory.Exists(local.Root))
        {
            return [];
        }

        var found = new List<(string Started, JsonObject Entry)>();
        foreach (var bucket in Directory.EnumerateDirectories(local.Root))
        {
            var channel = Path.Combine(bucket, "ivs", "v1", account.AccountId, channelId);
            if (!Directory.Exists(channel))
            {
                continue;
            }

            // <yyyy>/<m>/<d>/<h>/<mm>/<recording id>: six levels.
            IEnumerable<string> level = [channel];
            for (var i = 0; i < 6; i++)
            {
                level = level.SelectMany(Directory.EnumerateDirectories);
            }

            foreach (var prefix in level)
            {
                if (Describe(Path.GetFileName(bucket), channel, prefix) is { } entry)
                {
                    found.Add(((string?)entry["startedAt"] ?? string.Empty, entry));
                }
            }
        }

        return found.OrderByDescending(f => f.Started, StringComparer.Ordinal).Select(f => f.Entry);
    }

    /// <summary>One recording from its metadata files; null while it has none (or they cannot be read).</summary>
    private static JsonObject? Describe(string bucket, string channelDirectory, string prefix)
    {
        var started = Read(Path.Combine(prefix, "events", "recording-started.json"));
        if (started is null)
        {
            return null;
        }

        var final = Read(Path.Combine(prefix, "events", "recording-ended.json")) ?? Read(Path.Combine(prefix, "events", "recording-failed.json"));
        var key = "ivs/v1/" + Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(channelDirectory)!)!, prefix).Replace('\\', '/');
        var url = $"{RecordingObjectsEndpoint.PathPrefix}{bucket}/{key}/";
        var entry = new JsonObject
        {
            ["bucket"] = bucket,
            ["prefix"] = key,
            ["status"] = (string?)(final ?? started)["recording_status"],
            ["startedAt"] = (string?)started["recording_started_at"],
            ["endedAt"] = (string?)final?["recording_ended_at"],
            ["durationMs"] = (long?)final?["media"]?["hls"]?["duration_ms"],
            ["playlist"] = File.Exists(Path.Combine(prefix, "media", "hls", "master.m3u8")) ? url + "media/hls/master.m3u8" : null,
        };
        var thumbnail = File.Exists(Path.Combine(prefix, "media", "latest_thumbnail", "thumb.jpg")) ? "media/latest_thumbnail/thumb.jpg"
            : File.Exists(Path.Combine(prefix, "media", "thumbnails", "thumb0.jpg")) ? "media/thumbnails/thumb0.jpg"
            : null;
        entry["thumbnail"] = thumbnail is null ? null : url + thumbnail;
        return entry;
    }

    private static JsonNode? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static Task ErrorAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        return response.WriteAsync(new JsonObject { ["message"] = message }.ToJsonString());
    }
}
