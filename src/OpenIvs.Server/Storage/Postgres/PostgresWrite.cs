using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// A transaction holding <c>state_head</c>'s row lock (<see cref="PostgresStateStore.BeginWriteAsync"/>). The commit
/// is one batch: documents, events, the new head, the notification and COMMIT. With the batch that took the lock,
/// a write costs two round trips to PostgreSQL.
/// </summary>
internal sealed class PostgresWrite(PostgresStateStore store, NpgsqlConnection connection, long version, StateChanges changes) : ISharedWrite
{
    private bool _done;
    private bool _ownStatements;
    private long _committedVersion;
    private string[] _peers = [];

    public StateChanges Changes => changes;

    /// <summary>
    /// A batch on this transaction for tables outside the documents (the cluster's node leases and live slots):
    /// it runs under the write lock, and the commit then commits even without document changes.
    /// </summary>
    internal NpgsqlBatch CreateBatch()
    {
        _ownStatements = true;
        return new NpgsqlBatch(connection);
    }

    /// <summary>
    /// The caller's batch ended with COMMIT (one round trip for its statements and the commit): the transaction is
    /// over and the lock released; disposing the write only returns the connection.
    /// </summary>
    internal async Task CommittedAsync()
    {
        _done = true;
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async Task<long> CommitAsync(IReadOnlyList<DocumentChange> documents, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken)
    {
        if (documents.Count == 0 && events.Count == 0)
        {
            if (_ownStatements)
            {
                await using var commit = new NpgsqlCommand("COMMIT", connection);
                await commit.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                _done = true;
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await FinishAsync().ConfigureAwait(false);
            }

            committed();
            return version;
        }

        var next = version + 1;
        await using var batch = new NpgsqlBatch(connection);
        foreach (var change in documents)
        {
            var command = batch.CreateBatchCommand();
            if (change.Body is null)
            {
                command.CommandText = "UPDATE documents SET body = NULL, version = $3, deleted_at = now() WHERE kind = $1 AND id = $2 AND body IS NOT NULL";
            }
            else
            {
                // A replacement keeps its creation sequence; a document created again after a delete takes the new one.
                command.CommandText =
                    "INSERT INTO documents (kind, id, version, seq, body) VALUES ($1, $2, $3, $4, $5) " +
                    "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, version = excluded.version, deleted_at = NULL, " +
                    "seq = CASE WHEN documents.body IS NULL THEN excluded.seq ELSE documents.seq END";
            }

            command.Parameters.Add(new() { Value = change.Kind });
            command.Parameters.Add(new() { Value = change.Id });
            command.Parameters.Add(new() { Value = next });
            if (change.Body is not null)
            {
                command.Parameters.Add(new() { Value = change.Sequence });
                command.Parameters.Add(new() { Value = change.Body });
            }

            batch.BatchCommands.Add(command);
        }

        // Positions come from the sequence under the write lock, so they grow in commit order: readers that keep
        // a cursor never skip an event committed late.
        var head = batch.CreateBatchCommand();
        var values = new List<string>();
        head.Parameters.Add(new() { Value = next });
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var p = 2 + (i * 5);
            values.Add($"(${p}, ${p + 1}, ${p + 2}, ${p + 3}, ${p + 4})");
            head.Parameters.Add(new() { Value = e.Id });
            head.Parameters.Add(new() { Value = (object?)e.ChannelArn ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            head.Parameters.Add(new() { Value = e.DetailType });
            head.Parameters.Add(new() { Value = e.Time.ToUnixTimeMilliseconds() });
            head.Parameters.Add(new() { Value = e.Json });
        }

        head.CommandText = events.Count == 0
            ? "UPDATE state_head SET version = $1 WHERE id = 1 RETURNING last_position"
            : "WITH appended AS (INSERT INTO events (id, channel_arn, detail_type, time, body) VALUES " + string.Join(", ", values) +
              " ON CONFLICT (id) DO NOTHING RETURNING position) " +
              "UPDATE state_head SET version = $1, last_position = GREATEST(last_position, COALESCE((SELECT max(position) FROM appended), 0)) " +
              "WHERE id = 1 RETURNING last_position";
        batch.BatchCommands.Add(head);

        // The other live nodes (by the database's clock): the ones that must apply this commit before it is acknowledged.
        var peers = batch.CreateBatchCommand();
        peers.CommandText = "SELECT coalesce(array_agg(node_id), '{}') FROM cluster_nodes WHERE lease_expires > now() AND node_id <> $1";
        peers.Parameters.Add(new() { Value = store.Node.Value });
        batch.BatchCommands.Add(peers);
        var notify = batch.CreateBatchCommand();
        notify.CommandText = $"SELECT pg_notify('{PostgresStateStore.NotifyChannel}', version || ' ' || last_position) FROM state_head WHERE id = 1";
        batch.BatchCommands.Add(notify);


        // Not cancellable from here on: a commit either happens or the exception reaches the caller.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        long lastPosition;
        await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // The documents' statements return nothing; the first rows are the head's.
            await PostgresStateStore.NextRowsAsync(reader, CancellationToken.None).ConfigureAwait(false);
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            lastPosition = reader.GetInt64(0);
            await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            _peers = reader.GetFieldValue<string[]>(0);
        }

        _done = true;
        _committedVersion = next;
        await connection.DisposeAsync().ConfigureAwait(false);
        committed();
        store.OnCommitted(next, lastPosition, signal: false);
        return next;
    }

    public Task WaitVisibleAsync() =>
        _committedVersion == 0 || _peers.Length == 0 ? Task.CompletedTask : store.WaitAppliedAsync(_committedVersion, _peers);

    /// <summary>Ends the transaction without a commit (or with an empty one): ROLLBACK releases the lock.</summary>
    public ValueTask DisposeAsync() => new(FinishAsync());

    private async Task FinishAsync()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken connection: the server ended the transaction with it, and the pool discards it.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
