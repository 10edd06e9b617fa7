namespace OpenIvs.Server.Cluster;

/// <summary>
/// The cluster as this node last read it: every node row (with its lease's end on this node's monotonic clock) and
/// every live slot. Replaced whole at each read; readers take the reference and never see it change.
/// </summary>
internal sealed record ClusterView(IReadOnlyDictionary<string, NodeRow> Nodes, IReadOnlyList<SlotRow> Slots)
{
    public static ClusterView Empty { get; } = new(new Dictionary<string, NodeRow>(), []);
}

/// <summary>A node's row; <see cref="LeaseDeadline"/> is a local timestamp (<see cref="NodeLease.Deadline"/>).</summary>
internal sealed record NodeRow(string NodeId, Uri AdvertiseUrl, string Incarnation, DateTimeOffset StartedAt, long LeaseDeadline, NodeReport Report);

/// <summary>A channel's live slot: which node's stream holds it.</summary>
internal sealed record SlotRow(string ChannelArn, string NodeId, string StreamId, DateTimeOffset StartedAt);
