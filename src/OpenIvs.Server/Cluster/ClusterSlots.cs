using System.Collections.Concurrent;
using Npgsql;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// The hub's admission in a cluster (<see cref="ILiveSlots"/>): a publisher takes its channel's slot in PostgreSQL
/// in a write holding <c>state_head</c>'s lock, so the check (a live node's stream holds the channel? the quota
/// reached by live nodes' slots?) and the take are one step for the whole cluster. A node that cannot reach the
/// database or lost its lease refuses at once. Slots of ended streams are freed once their end is stored.
/// </summary>
public sealed partial class ClusterSlots : ILiveSlots
{
    /// <summary>A publisher waits at most this long for the database before it is refused.</summary>
    private static readonly TimeSpan AdmissionTimeout = TimeSpan.FromSeconds(5);

    private readonly NodeLease _lease;
    private readonly DocumentStore _store;
    private readonly ILogger<ClusterSlots> _logger;
    private readonly ConcurrentDictionary<string, (string ChannelArn, Task EndRecorded)> _releasing = new(StringComparer.Ordinal);

    internal ClusterSlots(NodeLease lease, NodeRegistry registry, DocumentStore store, ILogger<ClusterSlots> logger)
    {
        _lease = lease;
        Registry = registry;
        _store = store;
        _logger = logger;
    }

    /// <summary>A slot was taken or a stream ended here: the node's report and the freed slots should go out soon.</summary>
    public event Action? Changed;

    internal NodeRegistry Registry { get; }

    public async ValueTask<SlotDecision> TakeAsync(string channelArn, string streamId, int concurrentLimit, CancellationToken cancellationToken)
    {
        if (!_lease.Ready)
        {
            // A publisher in the first moments after start waits for the node to join (bounded) rather than being refused.
            await _lease.Joined.WaitAsync(AdmissionTimeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (!_lease.Available)
        {
            LogUnavailable(_logger, channelArn, _lease.Ready ? (_lease.DatabaseReachable ? "its lease is not held" : "the database is unreachable") : "it is still joining the cluster");
            return new SlotDecision(PublishRefusal.NodeUnavailable);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AdmissionTimeout);
        try
        {
            await using var write = await _store.BeginWriteAsync(timeout.Token).ConfigureAwait(false);
            var found = await Registry.TakeAsync(
                (PostgresWrite)write.Shared!, channelArn, streamId, concurrentLimit, [.. _releasing.Keys], timeout.Token).ConfigureAwait(false);
            switch (found.Outcome)
            {
                case SlotOutcome.Taken:
                    Changed?.Invoke();
                    return SlotDecision.Taken;
                case SlotOutcome.Held:
                    LogHeld(_logger, channelArn, found.Holder!);
                    return new SlotDecision(PublishRefusal.AlreadyLive);
                case SlotOutcome.Quota:
                    return new SlotDecision(PublishRefusal.ConcurrentBroadcastsQuota, found.LiveCount);
                default:
                    LogUnavailable(_logger, channelArn, "its lease expired in the database");
                    return new SlotDecision(PublishRefusal.NodeUnavailable);
            }
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException
                                   || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogTakeFailed(_logger, e, channelArn);

            // The commit may have happened before the failure: free the slot if it exists, as for an ended stream.
            Release(channelArn, streamId, Task.CompletedTask);
            return new SlotDecision(PublishRefusal.NodeUnavailable);
        }
    }

    public void Release(string channelArn, string streamId, Task endRecorded)
    {
        _releasing[streamId] = (channelArn, endRecorded);
        _ = FreeWhenRecordedAsync(endRecorded);
    }

    /// <summary>Frees the slot as soon as the end is stored (the channel can go live on any node), else at the next heartbeat.</summary>
    private async Task FreeWhenRecordedAsync(Task endRecorded)
    {
        await endRecorded.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            using var timeout = new CancellationTokenSource(AdmissionTimeout);
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            LogFreeFailed(_logger, e);
        }

        Changed?.Invoke();
    }

    /// <summary>Whether a stream ended here and its slot is not freed yet (its session may still be open a moment).</summary>
    internal bool IsReleasing(string streamId) => _releasing.ContainsKey(streamId);

    /// <summary>Frees the slots of streams whose end is stored (or given up on); the rest wait for the next call.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = _releasing.Where(r => r.Value.EndRecorded.IsCompleted).Select(r => (r.Value.ChannelArn, StreamId: r.Key)).ToList();
        if (done.Count == 0)
        {
            return;
        }

        await Registry.FreeAsync(done, cancellationToken).ConfigureAwait(false);
        foreach (var (_, streamId) in done)
        {
            _releasing.TryRemove(streamId, out _);
        }
    }

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Publish to {ChannelArn} refused: this node cannot admit publishers now ({Why})")]
    private static partial void LogUnavailable(ILogger logger, string channelArn, string why);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Publish to {ChannelArn} refused: the channel is live on node {NodeId}")]
    private static partial void LogHeld(ILogger logger, string channelArn, string nodeId);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Warning, Message = "Freeing live slots of ended streams failed; the heartbeat tries again")]
    private static partial void LogFreeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Publish to {ChannelArn} refused: its live slot could not be taken in the database")]
    private static partial void LogTakeFailed(ILogger logger, Exception exception, string channelArn);
}
