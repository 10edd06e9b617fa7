using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// The outbox in PostgreSQL (tables <c>events</c>, <c>event_cursors</c>, <c>parked_events</c>). Appends happen in
/// <see cref="PostgresStateStore"/>'s commits; the last position comes from this node's commits and from other
/// nodes' notifications. Each sink is delivered by one node at a time: the one holding the sink's advisory lock
/// (<see cref="ClaimAsync"/>), on a connection of its own, so a node that dies frees it with its connection.
/// </summary>
internal sealed class PostgresEventOutbox(PostgresStateStore store, long lastPosition) : IEventOutbox, IAsyncDisposable
{
    private const string Columns = "position, id, channel_arn, detail_type, time, body";

    /// <summary>The first key of the sinks' advisory locks ("OIVS"); the second is the hash of the sink's name.</summary>
    internal const int ClaimLockClass = 0x4F495653;

    private readonly OutboxPosition _position = new(lastPosition);

    public long LastPosition => _position.Last;

    internal void OnAppended(long position) => _position.Advance(position);

    public Task WaitAsync(long afterPosition, CancellationToken cancellationToken) => _position.WaitAsync(afterPosition, cancellationToken);

    public async Task<IReadOnlyList<OutboxEvent>> ReadAsync(long afterPosition, int limit, string? channelArn, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand(channelArn is null
            ? $"SELECT {Columns} FROM events WHERE position > $1 ORDER BY position LIMIT $2"
            : $"SELECT {Columns} FROM events WHERE position > $1 AND channel_arn = $3 ORDER BY position LIMIT $2");
        command.Parameters.Add(new() { Value = afterPosition });
        command.Parameters.Add(new() { Value = limit });
        if (channelArn is not null)
        {
            command.Parameters.Add(new() { Value = channelArn });
        }

        var events = new List<OutboxEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(OutboxEvent.Read(reader, 0));
        }

        return events;
    }

    public async Task<IOutboxClaim> ClaimAsync(string sink, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(store.DedicatedConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // The claim's connection also stores the cursor after every delivery: without waiting for the WAL flush
            // (a commit is visible to every node at once and survives this node's death; only a crash of the
            // database host can lose the last moments of progress, which re-delivers, never loses).
            await using (var relaxed = new NpgsqlCommand("SET synchronous_commit = off", connection))
            {
                await relaxed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock($1, hashtext($2))", connection))
            {
                command.Parameters.Add(new() { Value = ClaimLockClass });
                command.Parameters.Add(new() { Value = sink });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new PostgresOutboxClaim(connection, sink);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<long?> GetCursorAsync(string sink, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand("SELECT position FROM event_cursors WHERE sink = $1");
        command.Parameters.Add(new() { Value = sink });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long position ? position : null;
    }

    /// <summary>Cursors only move forward: a node that lost its claim while storing cannot move the new holder's back.</summary>
    internal const string StoreCursorSql =
        "INSERT INTO event_cursors (sink, position, updated_at) VALUES ($1, $2, $3) " +
        "ON CONFLICT (sink) DO UPDATE SET position = GREATEST(event_cursors.position, excluded.position), updated_at = excluded.updated_at";

    public async Task SetCursorAsync(string sink, long position, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand(StoreCursorSql);
        AddCursorParameters(command, sink, position);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static void AddCursorParameters(NpgsqlCommand command, string sink, long position)
    {
        command.Parameters.Add(new() { Value = sink });
        command.Parameters.Add(new() { Value = position });
        command.Parameters.Add(new() { Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
    }

    public async Task ParkAsync(string sink, OutboxEvent outboxEvent, string reason, DateTimeOffset parkedAt, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand(
            "INSERT INTO parked_events (sink, position, id, channel_arn, detail_type, time, body, reason, parked_at) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (sink, position) DO NOTHING");
        command.Parameters.Add(new() { Value = sink });
        command.Parameters.Add(new() { Value = outboxEvent.Position });
        command.Parameters.Add(new() { Value = outboxEvent.Id });
        command.Parameters.Add(new() { Value = (object?)outboxEvent.ChannelArn ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = outboxEvent.DetailType });
        command.Parameters.Add(new() { Value = outboxEvent.Time.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new() { Value = outboxEvent.Json });
        command.Parameters.Add(new() { Value = reason });
        command.Parameters.Add(new() { Value = parkedAt.ToUnixTimeMilliseconds() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ParkedEvent>> ReadParkedAsync(string? sink, int limit, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand(
            $"SELECT {Columns}, sink, reason, parked_at FROM parked_events {(sink is null ? string.Empty : "WHERE sink = $2")} " +
            "ORDER BY parked_at, position LIMIT $1");
        command.Parameters.Add(new() { Value = limit });
        if (sink is not null)
        {
            command.Parameters.Add(new() { Value = sink });
        }

        var parked = new List<ParkedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            parked.Add(new ParkedEvent(reader.GetString(6), OutboxEvent.Read(reader, 0), reader.GetString(7), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return parked;
    }

    public async Task<int> PruneAsync(long throughPosition, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        int deleted;
        await using (var events = store.DataSource.CreateCommand("DELETE FROM events WHERE position <= $1 AND time < $2"))
        {
            events.Parameters.Add(new() { Value = throughPosition });
            events.Parameters.Add(new() { Value = olderThan.ToUnixTimeMilliseconds() });
            deleted = await events.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var parked = store.DataSource.CreateCommand("DELETE FROM parked_events WHERE parked_at < $1");
        parked.Parameters.Add(new() { Value = olderThan.ToUnixTimeMilliseconds() });
        await parked.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
