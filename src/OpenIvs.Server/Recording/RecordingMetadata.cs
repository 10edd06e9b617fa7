using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Recording;

/// <summary>
/// The metadata files IVS writes under <c>events/</c> (ivs-behavior.md 5.4): compact JSON with
/// <c>recording-started.json</c> first and one of <c>recording-ended.json</c> / <c>recording-failed.json</c> last.
/// </summary>
internal static class RecordingMetadata
{
    public const string Started = "RECORDING_STARTED";
    public const string Ended = "RECORDING_ENDED";
    public const string Failed = "RECORDING_ENDED_WITH_FAILURE";

    /// <summary>
    /// A metadata file: <paramref name="status"/> is one of <see cref="Started"/>, <see cref="Ended"/>, <see cref="Failed"/>;
    /// <paramref name="message"/> the failure's exception name (failed only); <paramref name="endedAt"/> and
    /// <paramref name="durationMs"/> only in the final file.
    /// </summary>
    public static byte[] Build(
        string status, string channelArn, DateTimeOffset startedAt, DateTimeOffset? endedAt, string? message, long? durationMs,
        IEnumerable<(string Name, int Width, int Height)> renditions, (int Width, int Height)? thumbnails, bool sequential, bool latest)
    {
        var json = new JsonObject
        {
            ["version"] = "v1",
            ["channel_arn"] = channelArn,
            ["recording_started_at"] = Time(startedAt),
        };
        if (endedAt is { } ended)
        {
            json["recording_ended_at"] = Time(ended);
        }

        json["recording_status"] = status;
        if (message is not null)
        {
            json["recording_status_message"] = message;
        }

        var hls = new JsonObject();
        if (durationMs is { } duration)
        {
            hls["duration_ms"] = duration;
        }

        hls["path"] = "media/hls";
        hls["playlist"] = "master.m3u8";
        hls["byte_range_playlist"] = "byte-range-multivariant.m3u8";
        hls["renditions"] = new JsonArray([.. renditions.Select(r => (JsonNode)new JsonObject
        {
            ["path"] = r.Name,
            ["playlist"] = "playlist.m3u8",
            ["byte_range_playlist"] = "byte-range-variant.m3u8",
            ["resolution_width"] = r.Width,
            ["resolution_height"] = r.Height,
        })]);
        var media = new JsonObject { ["hls"] = hls };
        if (thumbnails is { } size)
        {
            if (sequential)
            {
                media["thumbnails"] = new JsonObject { ["path"] = "media/thumbnails", ["resolution_width"] = size.Width, ["resolution_height"] = size.Height };
            }

            if (latest)
            {
                media["latest_thumbnail"] = new JsonObject { ["path"] = "media/latest_thumbnail/thumb.jpg", ["resolution_width"] = size.Width, ["resolution_height"] = size.Height };
            }
        }

        json["media"] = media;
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    /// <summary>RFC 3339, UTC, second precision (as IVS writes them).</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>ivs/v1/&lt;account&gt;/&lt;channel id&gt;/&lt;yyyy&gt;/&lt;m&gt;/&lt;d&gt;/&lt;h&gt;/&lt;mm&gt;/&lt;recording id&gt;</c>: UTC, no zero padding.</summary>
    public static string KeyPrefix(string account, string channelId, DateTimeOffset start, string recordingId)
    {
        var t = start.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"ivs/v1/{account}/{channelId}/{t.Year}/{t.Month}/{t.Day}/{t.Hour}/{t.Minute}/{recordingId}");
    }
}
