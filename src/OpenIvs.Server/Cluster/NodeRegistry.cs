using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpenIvs.Server.Storage.Postgres;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// The cluster's tables in PostgreSQL (<c>cluster_nodes</c>, <c>live_slots</c>; migration 2). Leases are compared
/// with the database's clock (<c>now()</c>) only; what a node learns is converted to its own monotonic clock.
/// </summary>
internal sealed class NodeRegistry(PostgresStateStore store, NodeLease lease)
{
    /// <summary>The notification channel that tells nodes a slot or a node's report changed.</summary>
    public const string NotifyChannel = "openivs_cluster";

    private string NodeId => lease.NodeId;

    /// <summary>
    /// Renews this node's lease (registers it at the first call) with its report (<see cref="NodeReport"/> as JSON), and reads every node and slot, in
    /// one round trip. <paramref name="notify"/>: tell the other nodes (the report changed).
    /// </summary>
    public async Task<ClusterView> HeartbeatAsync(Uri advertiseUrl, string reportJson, bool notify, CancellationToken cancellationToken)
    {
        await using var batch = store.DataSource.CreateBatch();
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO cluster_nodes (node_id, advertise_url, incarnation, started_at, heartbeat_at, lease_expires, streams)
            VALUES ($1, $2, $3, now(), now(), now() + $4, $5)
            ON CONFLICT (node_id) DO UPDATE SET advertise_url = excluded.advertise_url, incarnation = excluded.incarnation,
                started_at = CASE WHEN cluster_nodes.incarnation = excluded.incarnation THEN cluster_nodes.started_at ELSE now() END,
                heartbeat_at = now(), lease_expires = excluded.lease_expires, streams = excluded.streams
            """);
        upsert.Parameters.Add(new() { Value = NodeId });
        upsert.Parameters.Add(new() { Value = advertiseUrl.ToString() });
        upsert.Parameters.Add(new() { Value = lease.Incarnation });
        upsert.Parameters.Add(new() { Value = lease.Options.NodeLease, NpgsqlDbType = NpgsqlDbType.Interval });
        upsert.Parameters.Add(new() { Value = reportJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        batch.BatchCommands.Add(upsert);
        if (notify)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotifyChannel}', '')"));
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT node_id, advertise_url, incarnation, started_at, extract(epoch FROM lease_expires - now())::float8, streams::text FROM cluster_nodes"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT channel_arn, node_id, stream_id, started_at FROM live_slots"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await PostgresStateStore.NextRowsAsync(reader, cancellationToken).ConfigureAwait(false);
        if (notify)
        {
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        var nodes = new Dictionary<string, NodeRow>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var parsed = ParseReport(reader.GetString(5));
            nodes[reader.GetString(0)] = new NodeRow(
                reader.GetString(0), new Uri(reader.GetString(1)), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                lease.Deadline(TimeSpan.FromSeconds(reader.GetDouble(4))), parsed);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var slots = new List<SlotRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            slots.Add(new SlotRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return new ClusterView(nodes, slots);
    }

    /// <summary>
    /// In a write holding <c>state_head</c>'s lock: takes the channel's slot unless a live node's stream holds it, the
    /// live nodes hold <paramref name="limit"/> slots, or this node's own lease is over by the database's clock; then
    /// commits (the check, the take and the commit are one round trip). Streams in <paramref name="releasing"/> ended
    /// here: their slots are about to be freed and neither count nor hold their channel. A slot left by a node whose
    /// lease expired is taken over (that node's session is closed by the node that reaps it).
    /// </summary>
    public async Task<SlotDecisionCore> TakeAsync(PostgresWrite write, string channelArn, string streamId, int limit, string[] releasing, CancellationToken cancellationToken)
    {
        await using var batch = write.CreateBatch();
        var take = new NpgsqlBatchCommand("""
            WITH facts AS (
                SELECT COALESCE((SELECT lease_expires > now() FROM cluster_nodes WHERE node_id = $1 AND incarnation = $2), false) AS mine,
                       (SELECT s.node_id FROM live_slots s JOIN cluster_nodes n USING (node_id)
                         WHERE s.channel_arn = $3 AND n.lease_expires > now() AND s.stream_id <> ALL($5)) AS holder,
                       (SELECT count(*) FROM live_slots s JOIN cluster_nodes n USING (node_id)
                         WHERE n.lease_expires > now() AND s.stream_id <> ALL($5)) AS live
            ), taken AS (
                INSERT INTO live_slots (channel_arn, node_id, stream_id, started_at)
                SELECT $3, $1, $4, now() FROM facts WHERE mine AND holder IS NULL AND live < $6
                ON CONFLICT (channel_arn) DO UPDATE SET node_id = excluded.node_id, stream_id = excluded.stream_id, started_at = excluded.started_at
                RETURNING 1
            )
            SELECT mine, holder, live, EXISTS (SELECT 1 FROM taken) FROM facts
            """);
        take.Parameters.Add(new() { Value = NodeId });
        take.Parameters.Add(new() { Value = lease.Incarnation });
        take.Parameters.Add(new() { Value = channelArn });
        take.Parameters.Add(new() { Value = streamId });
        take.Parameters.Add(new() { Value = releasing });
        take.Parameters.Add(new() { Value = limit });
        batch.BatchCommands.Add(take);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotifyChannel}', '')"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        cancellationToken.ThrowIfCancellationRequested(); // from here on the commit either happens or fails, never half-cancelled
        SlotDecisionCore decision;
        await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var (mine, holder, live, taken) = (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1), (int)reader.GetInt64(2), reader.GetBoolean(3));
            decision = taken ? new SlotDecisionCore(SlotOutcome.Taken, live, null)
                : !mine ? new SlotDecisionCore(SlotOutcome.LeaseLost, live, null)
                : holder is not null ? new SlotDecisionCore(SlotOutcome.Held, live, holder)
                : new SlotDecisionCore(SlotOutcome.Quota, live, null);
        }

        await write.CommittedAsync().ConfigureAwait(false);
        return decision;
    }

    /// <summary>Frees the slots of streams that ended here (only if still theirs: the channel may be live again).</summary>
    public async Task FreeAsync(IReadOnlyList<(string ChannelArn, string StreamId)> slots, CancellationToken cancellationToken)
    {
        await using var batch = store.DataSource.CreateBatch();
        var delete = new NpgsqlBatchCommand(
            "DELETE FROM live_slots s USING unnest($1::text[], $2::text[]) AS f(channel_arn, stream_id) WHERE s.channel_arn = f.channel_arn AND s.stream_id = f.stream_id AND s.node_id = $3");
        delete.Parameters.Add(new() { Value = slots.Select(s => s.ChannelArn).ToArray() });
        delete.Parameters.Add(new() { Value = slots.Select(s => s.StreamId).ToArray() });
        delete.Parameters.Add(new() { Value = NodeId });
        batch.BatchCommands.Add(delete);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotifyChannel}', '')"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In a write holding <c>state_head</c>'s lock: the nodes whose lease holds now by the database's clock, or null
    /// when this node's own does not (it must not judge the others then).
    /// </summary>
    public async Task<HashSet<string>?> AliveNodesAsync(PostgresWrite write, CancellationToken cancellationToken)
    {
        await using var batch = write.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT node_id, incarnation FROM cluster_nodes WHERE lease_expires > now()"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        var mine = false;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nodes.Add(reader.GetString(0));
            mine |= reader.GetString(0) == NodeId && reader.GetString(1) == lease.Incarnation;
        }

        return mine ? nodes : null;
    }

    /// <summary>
    /// Deletes the slots of nodes whose lease expired (their sessions are closed in the same transaction) and, at
    /// start (<paramref name="ownToo"/>, before this run admitted anyone), this node's slots of its previous run.
    /// </summary>
    public async Task DeleteDeadSlotsAsync(PostgresWrite write, IReadOnlyCollection<string> alive, bool ownToo, CancellationToken cancellationToken)
    {
        await using var batch = write.CreateBatch();
        var delete = new NpgsqlBatchCommand("DELETE FROM live_slots WHERE node_id <> ALL($1) OR ($2 AND node_id = $3)");
        delete.Parameters.Add(new() { Value = alive.ToArray() });
        delete.Parameters.Add(new() { Value = ownToo });
        delete.Parameters.Add(new() { Value = NodeId });
        batch.BatchCommands.Add(delete);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotifyChannel}', '')"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the rows of <paramref name="nodes"/> whose lease ended more than <paramref name="retention"/> ago by the
    /// database's clock and that hold no live slot (a node that restarted meanwhile has a fresh lease and stays).
    /// Returns the ids deleted.
    /// </summary>
    public async Task<List<string>> PruneAsync(IReadOnlyCollection<string> nodes, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand("""
            DELETE FROM cluster_nodes n
             WHERE n.node_id = ANY($1) AND n.lease_expires < now() - $2
               AND NOT EXISTS (SELECT 1 FROM live_slots s WHERE s.node_id = n.node_id)
            RETURNING n.node_id
            """);
        command.Parameters.Add(new() { Value = nodes.ToArray() });
        command.Parameters.Add(new() { Value = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var deleted = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deleted.Add(reader.GetString(0));
        }

        return deleted;
    }

    /// <summary>Stopping: the lease ends now and the report is emptied, so no node waits for it to expire.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await using var batch = store.DataSource.CreateBatch();
        var leave = new NpgsqlBatchCommand("UPDATE cluster_nodes SET lease_expires = now(), streams = '{\"live\":[],\"relayed\":{}}' WHERE node_id = $1 AND incarnation = $2");
        leave.Parameters.Add(new() { Value = NodeId });
        leave.Parameters.Add(new() { Value = lease.Incarnation });
        batch.BatchCommands.Add(leave);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotifyChannel}', '')"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NodeReport ParseReport(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ClusterJsonContext.Default.NodeReport) is { Live: not null, Relayed: not null } report ? report : NodeReport.Empty;
        }
        catch (JsonException)
        {
            return NodeReport.Empty;
        }
    }
}

/// <summary>What <see cref="NodeRegistry.TakeAsync"/> found.</summary>
internal enum SlotOutcome
{
    Taken,
    Held,
    Quota,
    LeaseLost,
}

internal readonly record struct SlotDecisionCore(SlotOutcome Outcome, int LiveCount, string? Holder);
