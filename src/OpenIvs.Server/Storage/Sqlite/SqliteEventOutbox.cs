using Microsoft.Data.Sqlite;

namespace OpenIvs.Server.Storage.Sqlite;

/// <summary>
/// The outbox in the SQLite file (tables <c>events</c>, <c>event_cursors</c>, <c>parked_events</c>). Appends
/// happen in <see cref="SqliteStateStore"/>'s document transactions; this class reads on a connection of its
/// own (WAL lets it read while the store writes), writes cursors, parked events and prunes through the store's
/// connection (one writer, no lock waits), and is woken by the store after each commit that appended events.
/// </summary>
public sealed class SqliteEventOutbox : IEventOutbox, IAsyncDisposable
{
    private const string Columns = "position, id, channel_arn, detail_type, time, body";

    private readonly SqliteConnection _connection;
    private readonly SqliteStateStore _writer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly OutboxPosition _position;
    private int _disposed;

    private SqliteEventOutbox(SqliteConnection connection, SqliteStateStore writer, long lastPosition)
    {
        _connection = connection;
        _writer = writer;
        _position = new OutboxPosition(lastPosition);
    }

    /// <summary>Opens a connection to a migrated database and reads the last position (not the events).</summary>
    internal static async Task<SqliteEventOutbox> OpenAsync(string connectionString, SqliteStateStore writer, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout=5000;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand();

        // sqlite_sequence keeps the highest position ever given, also after every event was pruned.
        command.CommandText = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)";
        var last = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new SqliteEventOutbox(connection, writer, last);
    }

    public long LastPosition => _position.Last;

    /// <summary>Called by the store after a commit that appended events up to <paramref name="position"/>.</summary>
    internal void OnAppended(long position) => _position.Advance(position);

    public Task WaitAsync(long afterPosition, CancellationToken cancellationToken) => _position.WaitAsync(afterPosition, cancellationToken);

    public Task<IReadOnlyList<OutboxEvent>> ReadAsync(long afterPosition, int limit, string? channelArn, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<OutboxEvent>>(command =>
        {
            command.CommandText = channelArn is null
                ? $"SELECT {Columns} FROM events WHERE position > $after ORDER BY position LIMIT $limit"
                : $"SELECT {Columns} FROM events WHERE channel_arn = $channel AND position > $after ORDER BY position LIMIT $limit";
            command.Parameters.AddWithValue("$after", afterPosition);
            command.Parameters.AddWithValue("$limit", limit);
            if (channelArn is not null)
            {
                command.Parameters.AddWithValue("$channel", channelArn);
            }

            using var reader = command.ExecuteReader();
            var events = new List<OutboxEvent>();
            while (reader.Read())
            {
                events.Add(OutboxEvent.Read(reader, 0));
            }

            return events;
        }, cancellationToken);

    /// <summary>One process writes the file, so its claim is never contended nor lost.</summary>
    public Task<IOutboxClaim> ClaimAsync(string sink, CancellationToken cancellationToken) => Task.FromResult<IOutboxClaim>(new SoleClaim(this, sink));

    public Task<long?> GetCursorAsync(string sink, CancellationToken cancellationToken) =>
        RunAsync(command =>
        {
            command.CommandText = "SELECT position FROM event_cursors WHERE sink = $sink";
            command.Parameters.AddWithValue("$sink", sink);
            return (long?)command.ExecuteScalar();
        }, cancellationToken);

    public Task SetCursorAsync(string sink, long position, CancellationToken cancellationToken) => StoreCursorAsync(sink, position, relaxed: false, cancellationToken);

    /// <summary>
    /// Relaxed: committed with <c>synchronous=NORMAL</c> (WAL written, not fsynced), which survives a crash of this
    /// process but not a power loss (that re-delivers). The relay stores after every delivery: an fsync each would
    /// bound delivery by the disk.
    /// </summary>
    private Task StoreCursorAsync(string sink, long position, bool relaxed, CancellationToken cancellationToken) =>
        WriteAsync(command =>
        {
            if (relaxed)
            {
                command.CommandText = "PRAGMA synchronous=NORMAL";
                command.ExecuteNonQuery();
            }

            try
            {
                command.CommandText =
                    "INSERT INTO event_cursors (sink, position, updated_at) VALUES ($sink, $position, $now) " +
                    "ON CONFLICT (sink) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at";
                command.Parameters.AddWithValue("$sink", sink);
                command.Parameters.AddWithValue("$position", position);
                command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            }
            finally
            {
                if (relaxed)
                {
                    command.Parameters.Clear();
                    command.CommandText = "PRAGMA synchronous=FULL";
                    command.ExecuteNonQuery();
                }
            }
        }, cancellationToken);

    public Task ParkAsync(string sink, OutboxEvent outboxEvent, string reason, DateTimeOffset parkedAt, CancellationToken cancellationToken) =>
        WriteAsync(command =>
        {
            command.CommandText =
                "INSERT INTO parked_events (sink, position, id, channel_arn, detail_type, time, body, reason, parked_at) " +
                "VALUES ($sink, $position, $id, $channel, $type, $time, $body, $reason, $now) ON CONFLICT (sink, position) DO NOTHING";
            command.Parameters.AddWithValue("$sink", sink);
            command.Parameters.AddWithValue("$position", outboxEvent.Position);
            command.Parameters.AddWithValue("$id", outboxEvent.Id);
            command.Parameters.AddWithValue("$channel", (object?)outboxEvent.ChannelArn ?? DBNull.Value);
            command.Parameters.AddWithValue("$type", outboxEvent.DetailType);
            command.Parameters.AddWithValue("$time", outboxEvent.Time.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$body", outboxEvent.Json);
            command.Parameters.AddWithValue("$reason", reason);
            command.Parameters.AddWithValue("$now", parkedAt.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public Task<IReadOnlyList<ParkedEvent>> ReadParkedAsync(string? sink, int limit, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<ParkedEvent>>(command =>
        {
            command.CommandText =
                $"SELECT {Columns}, sink, reason, parked_at FROM parked_events {(sink is null ? string.Empty : "WHERE sink = $sink")} " +
                "ORDER BY parked_at, position LIMIT $limit";
            command.Parameters.AddWithValue("$limit", limit);
            if (sink is not null)
            {
                command.Parameters.AddWithValue("$sink", sink);
            }

            using var reader = command.ExecuteReader();
            var parked = new List<ParkedEvent>();
            while (reader.Read())
            {
                parked.Add(new ParkedEvent(reader.GetString(6), OutboxEvent.Read(reader, 0), reader.GetString(7), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
            }

            return parked;
        }, cancellationToken);

    public async Task<int> PruneAsync(long throughPosition, DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        // In slices, so a large backlog never holds SQLite's write lock long enough to delay an API write.
        var total = 0;
        while (true)
        {
            var deleted = await WriteAsync(command =>
            {
                command.CommandText =
                    "DELETE FROM events WHERE position IN " +
                    "(SELECT position FROM events WHERE position <= $through AND time < $older ORDER BY position LIMIT 1000)";
                command.Parameters.AddWithValue("$through", throughPosition);
                command.Parameters.AddWithValue("$older", olderThan.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            }, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < 1000)
            {
                break;
            }
        }

        await WriteAsync(command =>
        {
            command.CommandText = "DELETE FROM parked_events WHERE parked_at < $older";
            command.Parameters.AddWithValue("$older", olderThan.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>
    /// Runs one command on the thread pool (Microsoft.Data.Sqlite's async methods complete synchronously), one
    /// at a time on this connection.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<SqliteCommand, T> run, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() =>
            {
                using var command = _connection.CreateCommand();
                return run(command);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task<T> WriteAsync<T>(Func<SqliteCommand, T> write, CancellationToken cancellationToken) =>
        _writer.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            return write(command);
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class SoleClaim(SqliteEventOutbox outbox, string sink) : IOutboxClaim
    {
        public CancellationToken Lost => CancellationToken.None;

        public Task StoreCursorAsync(long position, CancellationToken cancellationToken) =>
            outbox.StoreCursorAsync(sink, position, relaxed: true, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
