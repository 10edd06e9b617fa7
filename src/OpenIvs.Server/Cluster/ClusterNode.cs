using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Streams.Lifecycle;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// This node's life in the cluster (docs/cluster.md). About every quarter lease it renews its lease with a report of
/// its streams and reads every node and slot (one round trip); it frees the slots of streams that ended here; and
/// when a node's lease has expired (or at start, for its own previous run) it closes that node's sessions with
/// Stream End and Session Ended and frees its slots, in one write under <c>state_head</c>'s lock, so exactly one
/// surviving node does it. A node that cannot renew its lease ends its own streams once the lease is over: another
/// node may have taken their channels by then.
/// </summary>
public sealed partial class ClusterNode : BackgroundService
{
    /// <summary>Between two heartbeats caused by notifications (a burst of go-lives costs one read, not one per stream).</summary>
    private static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(50);

    private readonly NodeLease _lease;
    private readonly ClusterSlots _slots;
    private readonly ClusterStreamLocator _locator;
    private readonly LiveStreamHub _hub;
    private readonly RelayedViewerCounts _relayed;
    private readonly StreamTables _tables;
    private readonly DocumentStore _store;
    private readonly SessionRecorder _recorder;
    private readonly PostgresStateStore _database;
    private readonly Uri _advertiseUrl;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterNode> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private ClusterView _view = ClusterView.Empty;
    private string _lastReport = string.Empty;
    private bool _lostLogged;
    private bool _guarded;

    internal ClusterNode(
        NodeLease lease, ClusterSlots slots, ClusterStreamLocator locator, LiveStreamHub hub, RelayedViewerCounts relayed, StreamTables tables,
        DocumentStore store, SessionRecorder recorder, PostgresStateStore database, Uri advertiseUrl, TimeProvider time, ILogger<ClusterNode> logger)
    {
        _lease = lease;
        _slots = slots;
        _locator = locator;
        _hub = hub;
        _relayed = relayed;
        _tables = tables;
        _store = store;
        _recorder = recorder;
        _database = database;
        _advertiseUrl = advertiseUrl;
        _time = time;
        _logger = logger;
        _slots.Changed += () => _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listening = new CancellationTokenSource();
        var listener = Task.Run(() => ListenAsync(listening.Token), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await BeatAsync(stoppingToken).ConfigureAwait(false);
                await WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync leaves the cluster.
        }
        finally
        {
            await listening.CancelAsync().ConfigureAwait(false);
            await listener.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Stopping: after the streams ended (the recorder stops first), free their slots and give the lease up at once.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await _slots.FlushAsync(timeout.Token).ConfigureAwait(false);
            await _slots.Registry.LeaveAsync(timeout.Token).ConfigureAwait(false);
            LogLeft(_logger, _lease.NodeId);
        }
        catch (Exception e) when (IsDatabaseFailure(e) || e is OperationCanceledException)
        {
            LogLeaveFailed(_logger, e);
        }
    }

    private async Task BeatAsync(CancellationToken stoppingToken)
    {
        var sentAt = _time.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_lease.Options.HeartbeatInterval * 2);
            await _slots.FlushAsync(timeout.Token).ConfigureAwait(false);
            var report = Report();
            var json = JsonSerializer.Serialize(report, ClusterJsonContext.Default.NodeReport);
            var view = await _slots.Registry.HeartbeatAsync(_advertiseUrl, json, notify: json != _lastReport, timeout.Token).ConfigureAwait(false);
            _lastReport = json;

            // A heartbeat that took longer than what was left of the lease: the others may have counted this node
            // dead meanwhile (and closed its sessions, taken its channels), so its streams end as if it had been cut off.
            if (_lease.Ready && !_lease.Holds)
            {
                GuardSplitBrain();
            }

            _lease.Renewed(sentAt);
            _guarded = false;
            _view = view;
            _locator.Update(view);
            if (_lostLogged)
            {
                _lostLogged = false;
                LogRecovered(_logger, _lease.NodeId);
            }

            if (!_lease.Ready || NeedsReaping(view))
            {
                try
                {
                    await ReapAsync(startup: !_lease.Ready, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (IsDatabaseFailure(e) || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    // The lease was renewed; closing sessions waits for the next heartbeat (a node joins only once it has).
                    LogReapFailed(_logger, e);
                    return;
                }
            }

            if (!_lease.Ready)
            {
                _lease.MarkReady();
                LogJoined(_logger, _lease.NodeId, _advertiseUrl.ToString(), view.Nodes.Count);
            }

            await PruneAsync(view, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsDatabaseFailure(e) || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
        {
            _lease.Unreachable();
            _lastReport = string.Empty; // report again in full once back
            if (!_lostLogged)
            {
                _lostLogged = true;
                LogDatabaseLost(_logger, e, _lease.NodeId);
            }
        }

        GuardSplitBrain();
    }

    /// <summary>
    /// The lease is over without a renewal: other nodes count this node dead and may take its channels, so its own
    /// streams must not go on (two publishers of one channel on two nodes). Their ends are recorded once the
    /// database is back, unless a surviving node closed the sessions first.
    /// </summary>
    private void GuardSplitBrain()
    {
        if (_lease.Holds || !_lease.Ready || _guarded)
        {
            return;
        }

        var live = _hub.Live;
        _guarded = true;
        if (live.Count == 0)
        {
            return;
        }

        LogEndingOwnStreams(_logger, _lease.NodeId, live.Count, _lease.Options.NodeLease.TotalSeconds);
        var reason = StreamEndReason.NodeLost(
            $"this node ({_lease.NodeId}) could not renew its lease in the cluster's database within {_lease.Options.NodeLease.TotalSeconds:0.#} s; another node may take the channel");
        foreach (var stream in live)
        {
            stream.RequestEnd(reason);
        }
    }

    /// <summary>
    /// The streams held here and the viewers this node relays of streams held elsewhere. Relayed viewers travel only
    /// this way (an earlier per-holder HTTP report, every 2 s, was folded into it): the heartbeat writes this row and
    /// reads every node's anyway, so it costs no extra request, every node (not only the holder) learns every count,
    /// which the viewer limit needs on relays too, and a changed report is notified at once, so the others read it
    /// within a moment rather than at their next heartbeat.
    /// </summary>
    private NodeReport Report()
    {
        var live = _hub.Live
            .Select(s => new LiveReport(s.ChannelArn, s.StreamId, s.StartTime, s.Health.Value, s.ViewerCount, s.Channel.PlaybackUrl))
            .OrderBy(s => s.ChannelArn, StringComparer.Ordinal)
            .ToList();
        var relayed = _relayed.Snapshot().OrderBy(r => r.Key, StringComparer.Ordinal).ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        return new NodeReport(live, relayed);
    }

    /// <summary>
    /// Deletes the rows of nodes dead for longer than <see cref="ClusterOptions.DeadNodeRetention"/> that left nothing
    /// open, so a cluster whose node ids change does not grow <c>cluster_nodes</c> forever. Any node may do it (the
    /// delete is idempotent); a failure waits for the next heartbeat that finds such a node.
    /// </summary>
    private async Task PruneAsync(ClusterView view, CancellationToken cancellationToken)
    {
        var retention = _lease.Options.DeadNodeRetention;
        var dead = view.Nodes.Values.Where(n => n.NodeId != _lease.NodeId && _lease.Remaining(n.LeaseDeadline) < -retention).Select(n => n.NodeId).ToList();
        if (dead.Count == 0)
        {
            return; // the usual case: no sessions to look through
        }

        var prunable = Prunable(dead, _tables.Sessions.Values);
        if (prunable.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var node in await _slots.Registry.PruneAsync(prunable, retention, cancellationToken).ConfigureAwait(false))
            {
                LogPruned(_logger, node, retention.TotalHours);
            }
        }
        catch (Exception e) when (IsDatabaseFailure(e) || e is OperationCanceledException)
        {
            LogPruneFailed(_logger, e);
        }
    }

    /// <summary>Of the <paramref name="dead"/> nodes, those with no open session: a node's row stays until its sessions are closed.</summary>
    internal static List<string> Prunable(IReadOnlyCollection<string> dead, IEnumerable<StreamSessionRecord> sessions)
    {
        var open = sessions.Where(s => s.EndTime is null && s.NodeId is not null).Select(s => s.NodeId!).ToHashSet(StringComparer.Ordinal);
        return [.. dead.Where(n => !open.Contains(n))];
    }

    /// <summary>Whether an open session or a slot belongs to a node whose lease is over (or to this node's previous run).</summary>
    private bool NeedsReaping(ClusterView view)
    {
        if (view.Slots.Any(s => s.NodeId != _lease.NodeId && !IsAlive(view, s.NodeId)))
        {
            return true;
        }

        var alive = view.Nodes.Keys.Where(n => IsAlive(view, n)).ToHashSet(StringComparer.Ordinal);
        return _tables.Sessions.Values.Any(s => s.EndTime is null && Orphaned(s, alive) is not null);
    }

    private bool IsAlive(ClusterView view, string nodeId) =>
        view.Nodes.TryGetValue(nodeId, out var node) && _lease.Remaining(node.LeaseDeadline) > TimeSpan.Zero;

    /// <summary>Why an open session has no live stream behind it any more, or null when it may still be live.</summary>
    private string? Orphaned(StreamSessionRecord session, IReadOnlySet<string> alive)
    {
        if (session.NodeId is null)
        {
            return "left open by a server that did not record its node (an earlier version)";
        }

        if (session.NodeId == _lease.NodeId)
        {
            // This run's streams are in the hub until they end, then releasing until their end is stored.
            return _hub.Find(session.ChannelArn)?.StreamId == session.StreamId || _slots.IsReleasing(session.StreamId)
                ? null
                : "left open by this node (an earlier run, or its end could not be stored)";
        }

        return alive.Contains(session.NodeId) ? null : $"node {session.NodeId} stopped renewing its lease (stopped, crashed or cut off from the database)";
    }

    /// <summary>
    /// Closes the sessions of dead nodes (and this node's leftovers) and deletes their slots, in one write holding the
    /// cluster's lock: the first surviving node to get there does it, the others then find nothing left.
    /// </summary>
    private async Task ReapAsync(bool startup, CancellationToken cancellationToken)
    {
        await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var postgres = (PostgresWrite)write.Shared!;
        if (await _slots.Registry.AliveNodesAsync(postgres, cancellationToken).ConfigureAwait(false) is not { } alive)
        {
            return; // this node's own lease is not held by the database's clock: not its call
        }

        var orphans = _tables.Sessions.Values
            .Where(s => s.EndTime is null)
            .Select(s => (Session: s, Why: Orphaned(s, alive)))
            .Where(o => o.Why is not null)
            .ToList();
        await _slots.Registry.DeleteDeadSlotsAsync(postgres, alive, startup, cancellationToken).ConfigureAwait(false);
        foreach (var group in orphans.GroupBy(o => o.Why!))
        {
            _recorder.Close(write, [.. group.Select(o => o.Session)], group.Key);
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (orphans.Count > 0)
        {
            LogReaped(_logger, orphans.Count);
        }
    }

    /// <summary>Waits for the next heartbeat, a node's lease ending, or a change notified by a node.</summary>
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        var wait = _lease.Options.HeartbeatInterval;
        foreach (var node in _view.Nodes.Values)
        {
            var remaining = _lease.Remaining(node.LeaseDeadline);
            if (node.NodeId != _lease.NodeId && remaining > TimeSpan.Zero && remaining + MinimumRefresh < wait)
            {
                wait = remaining + MinimumRefresh; // look again right after it expires
            }
        }

        if (!_lease.DatabaseReachable)
        {
            wait = TimeSpan.FromSeconds(Math.Min(1, wait.TotalSeconds)); // retry sooner while the database is away
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(wait);
        try
        {
            await _wake.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
            _wake.Reader.TryRead(out _);
            await Task.Delay(MinimumRefresh, _time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The heartbeat's time.
        }
    }

    /// <summary>Follows other nodes' slot and report changes (NOTIFY) on a connection of its own.</summary>
    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_database.DedicatedConnectionString);
                connection.Notification += (_, _) => _wake.Writer.TryWrite(true);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {NodeRegistry.NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                _wake.Writer.TryWrite(true); // changes may have been missed while not listening
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsDatabaseFailure(e))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static bool IsDatabaseFailure(Exception e) =>
        e is NpgsqlException or IOException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException;

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Node {NodeId} joined the cluster at {AdvertiseUrl} ({Nodes} nodes known)")]
    private static partial void LogJoined(ILogger logger, string nodeId, string advertiseUrl, int nodes);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Error, Message = "Node {NodeId} cannot reach the cluster's database: publishers are refused until it is back")]
    private static partial void LogDatabaseLost(ILogger logger, Exception exception, string nodeId);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Information, Message = "Node {NodeId} reached the cluster's database again and holds its lease: publishers are admitted")]
    private static partial void LogRecovered(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Error, Message = "Node {NodeId} lost its lease: ending its {Count} live streams (after {Lease} s without the database, another node may take their channels)")]
    private static partial void LogEndingOwnStreams(ILogger logger, string nodeId, int count, double lease);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Warning, Message = "Closed {Count} stream sessions whose node is gone (Stream End and Session Ended sent)")]
    private static partial void LogReaped(ILogger logger, int count);

    [LoggerMessage(EventId = 1517, Level = LogLevel.Warning, Message = "Closing the sessions of lost nodes failed; retrying at the next heartbeat")]
    private static partial void LogReapFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1515, Level = LogLevel.Information, Message = "Node {NodeId} left the cluster (lease given up)")]
    private static partial void LogLeft(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1516, Level = LogLevel.Warning, Message = "Giving the lease up at shutdown failed; other nodes wait for it to expire")]
    private static partial void LogLeaveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1518, Level = LogLevel.Information, Message = "Removed node {NodeId} from cluster_nodes: its lease ended more than {Hours} h ago and it left nothing open")]
    private static partial void LogPruned(ILogger logger, string nodeId, double hours);

    [LoggerMessage(EventId = 1519, Level = LogLevel.Warning, Message = "Removing long-dead nodes from cluster_nodes failed; retrying at a later heartbeat")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
