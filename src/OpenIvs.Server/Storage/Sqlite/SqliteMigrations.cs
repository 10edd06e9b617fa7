using Microsoft.Data.Sqlite;

namespace OpenIvs.Server.Storage.Sqlite;

/// <summary>
/// Versioned schema migrations. Each runs once, in order, in its own transaction, and is recorded in
/// <c>schema_migrations</c>. Never edit a released migration; add the next one.
/// </summary>
internal static class SqliteMigrations
{
    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "documents and settings", """
            CREATE TABLE documents (
                kind TEXT NOT NULL,
                id   TEXT NOT NULL,
                seq  INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (kind, id)
            );
            CREATE INDEX documents_kind_seq ON documents (kind, seq);
            CREATE TABLE settings (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """),
        (2, "event outbox", """
            CREATE TABLE events (
                position    INTEGER PRIMARY KEY AUTOINCREMENT,
                id          TEXT NOT NULL UNIQUE,
                channel_arn TEXT,
                detail_type TEXT NOT NULL,
                time        INTEGER NOT NULL,
                body        TEXT NOT NULL
            );
            CREATE INDEX events_channel ON events (channel_arn, position);
            CREATE TABLE event_cursors (
                sink       TEXT PRIMARY KEY,
                position   INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE parked_events (
                sink        TEXT NOT NULL,
                position    INTEGER NOT NULL,
                id          TEXT NOT NULL,
                channel_arn TEXT,
                detail_type TEXT NOT NULL,
                time        INTEGER NOT NULL,
                body        TEXT NOT NULL,
                reason      TEXT NOT NULL,
                parked_at   INTEGER NOT NULL,
                PRIMARY KEY (sink, position)
            );
            CREATE INDEX parked_events_parked_at ON parked_events (parked_at);
            INSERT INTO events (id, channel_arn, detail_type, time, body)
                SELECT id,
                       json_extract(json_extract(body, '$.Json'), '$.resources[0]'),
                       json_extract(body, '$.DetailType'),
                       CAST(ROUND((julianday(json_extract(body, '$.Time')) - 2440587.5) * 86400000) AS INTEGER),
                       json_extract(body, '$.Json')
                FROM documents WHERE kind = 'event' ORDER BY seq;
            DELETE FROM documents WHERE kind = 'event';
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;

    public static async Task ApplyAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using (var create = connection.CreateCommand())
        {
            create.CommandText =
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long current;
        await using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            current = (long)(await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The database schema is version {current}, newer than this OpenIVS understands ({LatestVersion}).");
        }

        foreach (var (version, name, sql) in Migrations.Where(m => m.Version > current))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var migrate = connection.CreateCommand())
            {
                migrate.Transaction = transaction;
                migrate.CommandText = sql;
                await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$n", name);
                record.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToString("O"));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
