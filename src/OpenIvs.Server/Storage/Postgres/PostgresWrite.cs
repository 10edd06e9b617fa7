using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// A transaction holding <c>state_head</c>'s row lock (<see cref="PostgresStateStore.BeginWriteAsync"/>). The commit
/// is one batch (documents, events, the new head, the notification) and COMMIT: two round trips.
/// </summary>
internal sealed class PostgresWrite(
    PostgresStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, long version, StateChanges changes) : ISharedWrite
{
    private bool _done;

    public StateChanges Changes => changes;

    public async Task<long> CommitAsync(IReadOnlyList<DocumentChange> documents, IReadOnlyList<EventAppend> events, CancellationToken cancellationToken)
    {
        if (documents.Count == 0 && events.Count == 0)
        {
            await FinishAsync(commit: true).ConfigureAwait(false);
            return version;
        }

        var next = version + 1;
        await using var batch = new NpgsqlBatch(connection, transaction);
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
        var notify = batch.CreateBatchCommand();
        notify.CommandText = $"SELECT pg_notify('{PostgresStateStore.NotifyChannel}', version || ' ' || last_position) FROM state_head WHERE id = 1";
        batch.BatchCommands.Add(notify);

        long lastPosition;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The documents' statements return nothing; the first rows are the head's.
            while (reader.FieldCount == 0)
            {
                if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException("The state head returned nothing.");
                }
            }

            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            lastPosition = reader.GetInt64(0);
        }

        // Not cancellable from here on: a commit either happens or the exception reaches the caller.
        await FinishAsync(commit: true).ConfigureAwait(false);
        store.OnCommitted(next, lastPosition, signal: false);
        return next;
    }

    public ValueTask DisposeAsync() => new(FinishAsync(commit: false));

    private async Task FinishAsync(bool commit)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            if (commit)
            {
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
