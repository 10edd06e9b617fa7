using System.Text.Json.Serialization;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// What a node reports with each heartbeat (<c>cluster_nodes.streams</c>): the streams it holds with their state, and
/// the viewers it serves of streams held elsewhere (relayed playback), so every node can sum a stream's viewers.
/// </summary>
internal sealed record NodeReport(
    [property: JsonPropertyName("live")] List<LiveReport> Live,
    [property: JsonPropertyName("relayed")] Dictionary<string, long> Relayed)
{
    public static NodeReport Empty { get; } = new([], []);
}

/// <summary>One live stream of the reporting node.</summary>
internal sealed record LiveReport(
    [property: JsonPropertyName("channelArn")] string ChannelArn,
    [property: JsonPropertyName("streamId")] string StreamId,
    [property: JsonPropertyName("startTime")] DateTimeOffset StartTime,
    [property: JsonPropertyName("health")] string Health,
    [property: JsonPropertyName("viewers")] long Viewers,
    [property: JsonPropertyName("playbackUrl")] string? PlaybackUrl);

[JsonSerializable(typeof(NodeReport))]
[JsonSerializable(typeof(NodeHealthReport))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
