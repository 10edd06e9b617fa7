using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// Versioned schema migrations, each applied once, in order, in its own transaction, and recorded in
/// <c>schema_migrations</c>. Nodes starting at once take turns under an advisory lock, so each migration runs
/// exactly once. Never edit a released migration; add the next one.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key ("OIVS" and 1) held while migrating.</summary>
    private const long MigrationLock = 0x4F495653_00000001;

    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "documents, change feed, settings and event outbox", """
            -- A deleted document stays as a tombstone (body NULL) until pruned, so nodes following the change
            -- feed (version > theirs) see deletes too; pruned_version says how far tombstones were pruned.
            CREATE TABLE documents (
                kind       text NOT NULL,
                id         text NOT NULL,
                seq        bigint NOT NULL,
                body       text,
                version    bigint NOT NULL,
                deleted_at timestamptz,
                PRIMARY KEY (kind, id)
            );
            CREATE INDEX documents_version ON documents (version);
            -- One row: its lock is the write lock, its version the version of the state.
            CREATE TABLE state_head (
                id             integer PRIMARY KEY CHECK (id = 1),
                version        bigint NOT NULL,
                last_position  bigint NOT NULL,
                pruned_version bigint NOT NULL
            );
            INSERT INTO state_head (id, version, last_position, pruned_version) VALUES (1, 0, 0, 0);
            CREATE TABLE settings (
                key   text PRIMARY KEY,
                value text NOT NULL
            );
            CREATE TABLE events (
                position    bigserial PRIMARY KEY,
                id          text NOT NULL UNIQUE,
                channel_arn text,
                detail_type text NOT NULL,
                time        bigint NOT NULL,
                body        text NOT NULL
            );
            CREATE INDEX events_channel ON events (channel_arn, position);
            CREATE TABLE event_cursors (
                sink       text PRIMARY KEY,
                position   bigint NOT NULL,
                updated_at bigint NOT NULL
            );
            CREATE TABLE parked_events (
                sink        text NOT NULL,
                position    bigint NOT NULL,
                id          text NOT NULL,
                channel_arn text,
                detail_type text NOT NULL,
                time        bigint NOT NULL,
                body        text NOT NULL,
                reason      text NOT NULL,
                parked_at   bigint NOT NULL,
                PRIMARY KEY (sink, position)
            );
            CREATE INDEX parked_events_parked_at ON parked_events (parked_at);
            """),
        (2, "cluster nodes and live slots", """
            -- One row per node (--node-id): its lease runs on the database's clock (now()), never a node's.
            -- incarnation changes at each start; streams is the node's report of its live streams and relayed viewers.
            CREATE TABLE cluster_nodes (
                node_id       text PRIMARY KEY,
                advertise_url text NOT NULL,
                incarnation   text NOT NULL,
                started_at    timestamptz NOT NULL,
                heartbeat_at  timestamptz NOT NULL,
                lease_expires timestamptz NOT NULL,
                streams       jsonb NOT NULL DEFAULT '{}'
            );
            -- The live slot of each live channel: taken under the state_head lock, so one publisher per channel and
            -- the concurrent-broadcasts quota hold across nodes. A slot of a node whose lease expired does not count.
            CREATE TABLE live_slots (
                channel_arn text PRIMARY KEY,
                node_id     text NOT NULL,
                stream_id   text NOT NULL,
                started_at  timestamptz NOT NULL
            );
            CREATE INDEX live_slots_node ON live_slots (node_id);
            """),
        (3, "spent single-use playback token ids, viewer limit breaches", """
            -- A single-use playback token (aws:single-use-uuid) starts one session in the whole cluster: the session
            -- start inserts its id (SHA-256), by the fingerprint of the key that signed the token, and only the insert
            -- that wrote the row plays. keep_until: the token's expiry plus the clock skew, after which no node
            -- accepts it; rows are pruned a while after that.
            CREATE TABLE playback_single_use_ids (
                key_id     text NOT NULL,
                use_hash   bytea NOT NULL,
                keep_until timestamptz NOT NULL,
                node_id    text NOT NULL,
                spent_at   timestamptz NOT NULL,
                PRIMARY KEY (key_id, use_hash)
            );
            CREATE INDEX playback_single_use_ids_keep_until ON playback_single_use_ids (keep_until);
            -- The open Concurrent Viewers breach of a channel: the refusal that inserts the row (or finds it quiet
            -- for a while) opens an episode and raises the one event; the others only refresh refused_at. A node
            -- that refused in it and admits a viewer again deletes the row (the episode is over).
            CREATE TABLE viewer_limit_breaches (
                channel_arn text PRIMARY KEY,
                opener      text NOT NULL,
                node_id     text NOT NULL,
                opened_at   timestamptz NOT NULL,
                refused_at  timestamptz NOT NULL
            );
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;

    public static async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(
                connection,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)",
                cancellationToken).ConfigureAwait(false);
            long current;
            await using (var query = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection))
            {
                current = Convert.ToInt64(await query.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
            }

            if (current > LatestVersion)
            {
                throw new InvalidOperationException(
                    $"The database schema is version {current}, newer than this OpenIVS understands ({LatestVersion}).");
            }

            foreach (var (version, name, sql) in Migrations.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
                {
                    await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())", connection, transaction))
                {
                    record.Parameters.Add(new() { Value = version });
                    record.Parameters.Add(new() { Value = name });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({MigrationLock})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
