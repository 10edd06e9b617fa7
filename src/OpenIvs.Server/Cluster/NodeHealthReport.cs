using System.Text.Json.Serialization;

namespace OpenIvs.Server.Cluster;

/// <summary>The body of <c>GET /health</c>.</summary>
public sealed record NodeHealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("nodeId")] string NodeId,
    [property: JsonPropertyName("advertiseUrl")] string AdvertiseUrl,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("databaseReachable")] bool DatabaseReachable,
    [property: JsonPropertyName("leaseHeld"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? LeaseHeld,
    [property: JsonPropertyName("liveStreams")] int LiveStreams);
