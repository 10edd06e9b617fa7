using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace OpenIvs.Server.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in the data directory, WAL journal, foreign keys on,
/// <c>synchronous=FULL</c> so a committed transaction is on disk before the API answers.
/// Writes are serialized by the caller (one writer) and by this store (outbox cursors share the connection).
/// </summary>
public sealed class SqliteStateStore : IStateStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private SqliteEventOutbox? _outbox;

    public SqliteStateStore(string databasePath)
    {
        DatabasePath = databasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        }.ToString();
    }

    public string DatabasePath { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // Owner-only from the first byte: SQLite creates files 0644, and gives the -wal and -shm files the mode
        // of the database file.
        if (!OperatingSystem.IsWindows() && !File.Exists(DatabasePath))
        {
            new FileStream(DatabasePath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }).Dispose();
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA synchronous=FULL;", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA foreign_keys=ON;", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "PRAGMA busy_timeout=5000;", cancellationToken).ConfigureAwait(false);
        // Replaced and deleted documents (a secret sealed again, a deleted key) are zeroed, not left in free pages.
        await ExecuteAsync(connection, "PRAGMA secure_delete=ON;", cancellationToken).ConfigureAwait(false);
        await SqliteMigrations.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
        _connection = connection;
        _outbox = await SqliteEventOutbox.OpenAsync(_connectionString, this, cancellationToken).ConfigureAwait(false);
    }

    public IEventOutbox Outbox => _outbox ?? throw new InvalidOperationException("The store is not initialized.");

    public async IAsyncEnumerable<StoredDocument> LoadAsync(IReadOnlyCollection<string>? kinds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Read everything under the gate, then hand it out: the connection is not shared concurrently.
        var documents = new List<StoredDocument>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Connection.CreateCommand();
            command.CommandText = "SELECT kind, id, seq, body FROM documents ORDER BY kind, seq";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var kind = reader.GetString(0);
                if (kinds is null || kinds.Contains(kind))
                {
                    documents.Add(new StoredDocument(kind, reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        foreach (var document in documents)
        {
            yield return document;
        }
    }

    /// <summary>SQLite's <c>PRAGMA data_version</c>: it changes when another connection commits.</summary>
    public async Task<long> GetExternalChangeStampAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Connection.CreateCommand();
            command.CommandText = "PRAGMA data_version";
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken)
    {
        if (changes.Count == 0 && events.Count == 0)
        {
            committed();
            return;
        }

        // Microsoft.Data.Sqlite's async methods complete synchronously; run the transaction (and its fsync)
        // on the thread pool so a commit never blocks an I/O thread that also serves live streams.
        var lastPosition = await Task.Run(() => CommitCoreAsync(changes, events, cancellationToken), cancellationToken).ConfigureAwait(false);
        committed();
        if (lastPosition > 0)
        {
            _outbox?.OnAppended(lastPosition);
        }
    }

    /// <returns>The position of the last event appended (0 when none).</returns>
    private async Task<long> CommitCoreAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, CancellationToken cancellationToken)
    {
        long lastPosition = 0;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = (SqliteTransaction)await Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var change in changes)
            {
                await using var command = Connection.CreateCommand();
                command.Transaction = transaction;
                if (change.Body is null)
                {
                    command.CommandText = "DELETE FROM documents WHERE kind = $kind AND id = $id";
                }
                else
                {
                    command.CommandText =
                        "INSERT INTO documents (kind, id, seq, body) VALUES ($kind, $id, $seq, $body) " +
                        "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body";
                    command.Parameters.AddWithValue("$seq", change.Sequence);
                    command.Parameters.AddWithValue("$body", change.Body);
                }

                command.Parameters.AddWithValue("$kind", change.Kind);
                command.Parameters.AddWithValue("$id", change.Id);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var e in events)
            {
                await using var command = Connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText =
                    "INSERT INTO events (id, channel_arn, detail_type, time, body) VALUES ($id, $channel, $type, $time, $body) " +
                    "ON CONFLICT (id) DO NOTHING RETURNING position";
                command.Parameters.AddWithValue("$id", e.Id);
                command.Parameters.AddWithValue("$channel", (object?)e.ChannelArn ?? DBNull.Value);
                command.Parameters.AddWithValue("$type", e.DetailType);
                command.Parameters.AddWithValue("$time", e.Time.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$body", e.Json);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long position)
                {
                    lastPosition = Math.Max(lastPosition, position);
                }
            }

            // Not cancellable from here on: a commit either happens or the exception reaches the caller.
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return lastPosition;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs a write of the outbox (cursor, park, prune) on this connection, in turn with document commits: two
    /// SQLite writers would wait on each other with the busy handler's sleeps, delaying API writes.
    /// </summary>
    internal async Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => write(Connection), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReadSettingAsync(key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> ReadSettingAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = Connection.CreateCommand();
        command.CommandText = "SELECT value FROM settings WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> GetOrAddSettingAsync(string key, string value, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var insert = Connection.CreateCommand())
            {
                insert.CommandText = "INSERT INTO settings (key, value) VALUES ($key, $value) ON CONFLICT (key) DO NOTHING";
                insert.Parameters.AddWithValue("$key", key);
                insert.Parameters.AddWithValue("$value", value);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return (await ReadSettingAsync(key, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_outbox is not null)
        {
            await _outbox.DisposeAsync().ConfigureAwait(false);
            _outbox = null;
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        _gate.Dispose();
    }

    private SqliteConnection Connection => _connection ?? throw new InvalidOperationException("The store is not initialized.");

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
