namespace OpenIvs.Server.Streams;

/// <summary>
/// Live slots shared by the nodes of a cluster (one per live channel, held in the shared database), so that "one
/// publisher per channel" and the concurrent-broadcasts quota hold across nodes. A single node has none: the hub's
/// own admission is the whole rule there.
/// </summary>
public interface ILiveSlots
{
    /// <summary>
    /// Takes <paramref name="channelArn"/>'s slot for the stream <paramref name="streamId"/> about to begin on this
    /// node, unless another live stream holds it, <paramref name="concurrentLimit"/> streams are live in the
    /// cluster, or this node cannot admit publishers now (database or lease lost).
    /// </summary>
    ValueTask<SlotDecision> TakeAsync(string channelArn, string streamId, int concurrentLimit, CancellationToken cancellationToken);

    /// <summary>
    /// The stream ended on this node (or was refused after its slot was taken): the slot is freed once
    /// <paramref name="endRecorded"/> completes (the session's end is stored), and this node may take it again at once.
    /// </summary>
    void Release(string channelArn, string streamId, Task endRecorded);
}

/// <summary>The answer of <see cref="ILiveSlots.TakeAsync"/>; <paramref name="LiveCount"/> is the cluster's live streams when the quota refused.</summary>
public readonly record struct SlotDecision(PublishRefusal Refusal, int LiveCount = 0)
{
    public static SlotDecision Taken => new(PublishRefusal.None);
}
