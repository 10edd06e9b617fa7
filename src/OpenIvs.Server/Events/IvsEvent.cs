using System.Globalization;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Events;

/// <summary>
/// An event in Amazon EventBridge's shape as IVS emits it (ivs-behavior.md section 4): source
/// <c>aws.ivs</c>, a detail-type, the channel ARN in <c>resources</c> (none for account-level limit
/// events), and a snake_case <c>detail</c>.
/// </summary>
public sealed record IvsEvent(string Id, string DetailType, DateTimeOffset Time, string Region, string Account, IReadOnlyList<string> Resources, JsonObject Detail)
{
    public const string StreamStateChange = "IVS Stream State Change";
    public const string StreamHealthChange = "IVS Stream Health Change";
    public const string LimitBreach = "IVS Limit Breach";
    public const string RecordingStateChange = "IVS Recording State Change";

    /// <summary>The event name shown in stream sessions' truncatedEvents (event_name, limit_name or recording_status).</summary>
    public string Name =>
        (string?)Detail["event_name"] ?? (string?)Detail["limit_name"] ?? (string?)Detail["recording_status"] ?? DetailType;

    /// <summary>The optional code (multitrack and takeover reasons).</summary>
    public string? Code => (string?)Detail["code"];

    /// <summary>A Stream State Change; <paramref name="code"/> for Session Ended's multitrack codes, <paramref name="reason"/> for Stream Failure.</summary>
    public static IvsEvent StreamState(
        string eventName, string region, string account, string channelArn, string channelName, string streamId, DateTimeOffset time,
        string? code = null, string? reason = null)
    {
        var detail = new JsonObject { ["event_name"] = eventName, ["channel_name"] = channelName, ["stream_id"] = streamId };
        if (code is not null)
        {
            detail["code"] = code;
        }

        if (reason is not null)
        {
            detail["reason"] = reason;
        }

        return new(NewId(), StreamStateChange, time, region, account, [channelArn], detail);
    }

    public static IvsEvent StreamHealth(string eventName, string region, string account, string channelArn, string channelName, string streamId, DateTimeOffset time) =>
        new(NewId(), StreamHealthChange, time, region, account, [channelArn],
            new JsonObject { ["event_name"] = eventName, ["channel_name"] = channelName, ["stream_id"] = streamId });

    /// <summary>A limit breach; <paramref name="channelArn"/> null for account-level limits (Concurrent Broadcasts).</summary>
    public static IvsEvent Limit(
        string limitName, long limitValue, long exceededBy, string unit, string region, string account, DateTimeOffset time,
        string? channelArn = null, string? channelName = null, string? streamId = null)
    {
        var detail = new JsonObject
        {
            ["limit_name"] = limitName,
            ["limit_value"] = limitValue,
            ["exceeded_by"] = exceededBy,
            ["limit_unit"] = unit,
        };
        if (channelArn is not null)
        {
            detail["channel_name"] = channelName ?? string.Empty;
            detail["stream_id"] = streamId;
        }

        return new(NewId(), LimitBreach, time, region, account, channelArn is null ? [] : [channelArn], detail);
    }

    /// <summary>The event as the outbox stores it (<see cref="Storage.DocumentWrite.AppendEvent"/>).</summary>
    public Storage.EventAppend ToOutbox() => new(Id, Resources.Count > 0 ? Resources[0] : null, DetailType, Time, ToJson().ToJsonString());

    /// <summary>
    /// An IVS Recording State Change (ivs-behavior.md 4.4): <paramref name="status"/> is Recording Start, Recording
    /// End, Recording Start Failure or Recording End Failure; <paramref name="reason"/> is "" on success and an
    /// exception name on failure; <paramref name="streamIds"/> (all streams merged into the recording, oldest
    /// first) only on Recording End.
    /// </summary>
    public static IvsEvent RecordingState(
        string status, string reason, string region, string account, string channelArn, string channelName, string streamId,
        string bucket, string keyPrefix, long durationMs, string recordingSessionId, IReadOnlyList<string>? streamIds, DateTimeOffset time)
    {
        var detail = new JsonObject
        {
            ["channel_name"] = channelName,
            ["stream_id"] = streamId,
            ["recording_status"] = status,
            ["recording_status_reason"] = reason,
            ["recording_s3_bucket_name"] = bucket,
            ["recording_s3_key_prefix"] = keyPrefix,
            ["recording_duration_ms"] = durationMs,
            ["recording_session_id"] = recordingSessionId,
        };
        if (streamIds is not null)
        {
            detail["recording_session_stream_ids"] = new JsonArray([.. streamIds.Select(id => (JsonNode)id)]);
        }

        return new(NewId(), RecordingStateChange, time, region, account, [channelArn], detail);
    }

    /// <summary>The EventBridge envelope as JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["version"] = "0",
        ["id"] = Id,
        ["detail-type"] = DetailType,
        ["source"] = "aws.ivs",
        ["account"] = Account,
        ["time"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["region"] = Region,
        ["resources"] = new JsonArray([.. Resources.Select(r => (JsonNode)r)]),
        ["detail"] = Detail.DeepClone(),
    };

    private static string NewId() => Guid.NewGuid().ToString();
}
