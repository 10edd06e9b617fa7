namespace OpenIvs.Server.Streams;

/// <summary>The hub's answer to a publish attempt.</summary>
public sealed record PublishResult(LiveStream? Stream, PublishRefusal Refusal)
{
    public bool Accepted => Stream is not null;
}

/// <summary>Why a publish was refused. The publisher is only ever told by the connection closing.</summary>
public enum PublishRefusal
{
    None,
    UnknownStreamKey,
    InsecureIngestNotAllowed,
    AlreadyLive,
    ConcurrentBroadcastsQuota,

    /// <summary>This node cannot admit publishers now: it lost the cluster's database or its lease (docs/cluster.md).</summary>
    NodeUnavailable,
}
