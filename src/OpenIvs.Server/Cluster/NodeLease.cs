using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// This node's standing in the cluster, as its heartbeats found it: whether the database answered the last one and
/// until when (on this node's monotonic clock) its lease surely holds. The lease is counted from the moment a
/// successful heartbeat was sent, so this node gives its lease up no later than the database's clock expires it.
/// </summary>
public sealed class NodeLease(ClusterOptions options, NodeIdentity node, TimeProvider time)
{
    private long _heldUntil = long.MinValue;
    private volatile bool _databaseReachable;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Changes at every start: tells this run's rows from a previous run's of the same node id.</summary>
    public string Incarnation { get; } = Guid.NewGuid().ToString("N");

    public ClusterOptions Options => options;

    /// <summary>This node's id (<see cref="NodeIdentity"/>).</summary>
    public string NodeId => node.Value;

    public bool DatabaseReachable => _databaseReachable;

    /// <summary>Whether the lease is held now (the last successful heartbeat was sent less than a lease ago).</summary>
    public bool Holds => time.GetTimestamp() < Volatile.Read(ref _heldUntil);

    /// <summary>The node registered and closed its previous run's leftovers; until then it admits no publisher.</summary>
    public bool Ready => _ready.Task.IsCompleted;

    /// <summary>Completes when the node is <see cref="Ready"/>.</summary>
    public Task Joined => _ready.Task;

    /// <summary>Publishers are admitted: registered, the database answering, the lease held.</summary>
    public bool Available => Ready && _databaseReachable && Holds;

    /// <summary>A local timestamp (<see cref="TimeProvider.GetTimestamp"/>) <paramref name="after"/> from now.</summary>
    public long Deadline(TimeSpan after) => time.GetTimestamp() + (long)(after.TotalSeconds * time.TimestampFrequency);

    /// <summary>What is left until <paramref name="deadline"/> (negative once passed).</summary>
    public TimeSpan Remaining(long deadline) => time.GetElapsedTime(time.GetTimestamp(), deadline);

    /// <summary>A heartbeat sent at <paramref name="sentAt"/> (a local timestamp) was committed.</summary>
    public void Renewed(long sentAt)
    {
        _databaseReachable = true;
        var until = sentAt + (long)(options.NodeLease.TotalSeconds * time.TimestampFrequency);
        long held;
        do
        {
            held = Volatile.Read(ref _heldUntil);
            if (until <= held)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _heldUntil, until, held) != held);
    }

    public void Unreachable() => _databaseReachable = false;

    public void MarkReady() => _ready.TrySetResult();
}
