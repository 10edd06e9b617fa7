using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// State in PostgreSQL, shared by every node that connects to the database (docs/postgres.md). Each commit takes
/// the row lock of <c>state_head</c> (the cluster's write lock: released by COMMIT, or by the server when a node's
/// connection dies), writes its documents with the next version, appends its events (so event positions grow in
/// commit order), and NOTIFYs the other nodes, which read the documents changed since their version. A dedicated
/// LISTEN connection follows the notifications; after it reconnects, and every few seconds anyway, it compares
/// versions, so a missed notification delays a node's cache by seconds, never forever.
/// </summary>
public sealed partial class PostgresStateStore : ISharedStateStore
{
    internal const string NotifyChannel = "openivs_state";

    /// <summary>Each node says here which version its cache has applied ("{nodeId} {version}"); writers wait for it.</summary>
    internal const string AppliedChannel = "openivs_applied";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TombstoneRetention = TimeSpan.FromDays(1);
    private static readonly TimeSpan TombstonePruneInterval = TimeSpan.FromHours(1);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listenConnectionString;
    private ILogger _logger;
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private PostgresEventOutbox? _outbox;
    private Task _listener = Task.CompletedTask;
    private long _knownVersion;
    private int _disposed;

    // Outbox positions of other nodes' commits, held until this node's tables hold those commits (Applied), and the
    // newest version the tables hold: a reader the outbox wakes finds the state its events describe on this node too.
    private readonly List<(long Version, long Position)> _heldPositions = [];
    private long _tablesVersion;

    // Read-your-writes across nodes: what every other node has applied, this node's own applied version to announce.
    private readonly ConcurrentDictionary<string, long> _peerApplied = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _laggingPeers = new(StringComparer.Ordinal);
    private TaskCompletionSource _peerAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _appliedToAnnounce;
    private long _announced;
    private int _announcing;

    public PostgresStateStore(string connectionString, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _dataSource = NpgsqlDataSource.Create(connectionString);

        // Long-lived connections (LISTEN, outbox claims) stay out of the pool; keepalives notice a dead server.
        var dedicated = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 10 };
        _listenConnectionString = dedicated.ConnectionString;
    }

    /// <summary>Logs through <paramref name="loggers"/> from now on (the host's logging exists after the store opened).</summary>
    public void UseLogger(ILoggerFactory loggers) => _logger = loggers.CreateLogger<PostgresStateStore>();

    /// <summary>The newest state version this store has heard of (its own commits, notifications, reconciliations).</summary>
    public long KnownVersion => Volatile.Read(ref _knownVersion);

    /// <summary>This node's id in the cluster (<c>--node-id</c>): how its acknowledgements are told apart.</summary>
    public NodeIdentity Node { get; init; } = new("node-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// How long a write waits, after committing, for the other live nodes to apply it (default 2 s). A node that misses
    /// it is waited for no more until it acknowledges again (it is lagging or dead: its lease will tell).
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the versions are compared without a notification (default 5 s).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(5);

    public IEventOutbox Outbox => _outbox ?? throw new InvalidOperationException("The store is not initialized.");

    public ChannelReader<bool> ChangeSignals => _signals.Reader;

    internal NpgsqlDataSource DataSource => _dataSource;

    internal string DedicatedConnectionString => _listenConnectionString;

    /// <summary>The LISTEN connection (tests break it to check that a node reconciles).</summary>
    internal NpgsqlConnection? ListenConnection { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await PostgresMigrations.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        var (version, lastPosition) = await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        _knownVersion = version;
        _outbox = new PostgresEventOutbox(this, lastPosition);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listener = Task.Run(() => ListenAsync(listening), CancellationToken.None);

        // Listening before the first load, so nothing committed after it goes unnoticed.
        await listening.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoredDocument> LoadAsync(IReadOnlyCollection<string>? kinds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(kinds is null
            ? "SELECT kind, id, seq, body FROM documents WHERE body IS NOT NULL ORDER BY kind, seq"
            : "SELECT kind, id, seq, body FROM documents WHERE body IS NOT NULL AND kind = ANY($1) ORDER BY kind, seq");
        if (kinds is not null)
        {
            command.Parameters.Add(new() { Value = kinds.ToArray() });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredDocument(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
        }
    }

    /// <summary>The state's version: it changes with every commit of any node.</summary>
    public async Task<long> GetExternalChangeStampAsync(CancellationToken cancellationToken) =>
        (await ReadHeadAsync(cancellationToken).ConfigureAwait(false)).Version;

    public async Task CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken)
    {
        await using var write = await BeginCoreAsync(null, cancellationToken).ConfigureAwait(false);
        await write.CommitAsync(changes, events, committed, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ISharedWrite> BeginWriteAsync(long afterVersion, CancellationToken cancellationToken) =>
        await BeginCoreAsync(afterVersion, cancellationToken).ConfigureAwait(false);

    public async Task<StateChanges> ReadChangesAsync(long afterVersion, CancellationToken cancellationToken)
    {
        // One snapshot (Repeatable Read): the head's version and exactly the documents of the commits up to it.
        // One round trip: BEGIN, the head, the documents and COMMIT go in one batch.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadChangesAsync(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [], "SELECT version, pruned_version FROM state_head WHERE id = 1", afterVersion, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT value FROM settings WHERE key = $1");
        command.Parameters.Add(new() { Value = key });
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> GetOrAddSettingAsync(string key, string value, CancellationToken cancellationToken)
    {
        // Nodes starting at once race here: the first insert wins, every node reads the winner's value.
        await using (var insert = _dataSource.CreateCommand("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"))
        {
            insert.Parameters.Add(new() { Value = key });
            insert.Parameters.Add(new() { Value = value });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return (await GetSettingAsync(key, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Deletes tombstones of documents deleted before <paramref name="olderThan"/>; a node whose cache is older than
    /// the newest of them reloads everything instead of following the feed. Returns how many were deleted.
    /// </summary>
    internal async Task<int> PruneTombstonesAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        // One statement, so the deleted tombstones and the new pruned version become visible together.
        await using var command = _dataSource.CreateCommand("""
            WITH pruned AS (DELETE FROM documents WHERE body IS NULL AND deleted_at < $1 RETURNING version)
            UPDATE state_head SET pruned_version = GREATEST(pruned_version, COALESCE((SELECT max(version) FROM pruned), 0))
            WHERE id = 1 RETURNING (SELECT count(*) FROM pruned)
            """);
        command.Parameters.Add(new() { Value = olderThan.UtcDateTime });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<PostgresWrite> BeginCoreAsync(long? afterVersion, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One round trip: BEGIN, the timeouts, the lock and (Read Committed: a snapshot taken after the lock,
            // so it sees every earlier commit) the documents changed since the caller's version. A writer waits at
            // most LockTimeout for another node's write, and a node that stalls holding the lock (stopped,
            // partitioned) loses its transaction after IdleTimeout instead of blocking every node.
            var changes = await ReadChangesAsync(
                connection,
                "BEGIN ISOLATION LEVEL READ COMMITTED",
                [$"SET LOCAL lock_timeout = '{(int)LockTimeout.TotalMilliseconds}ms'", $"SET LOCAL idle_in_transaction_session_timeout = '{(int)IdleTimeout.TotalMilliseconds}ms'"],
                "SELECT version, pruned_version FROM state_head WHERE id = 1 FOR UPDATE",
                afterVersion,
                cancellationToken).ConfigureAwait(false);
            return new PostgresWrite(this, connection, changes.Version, changes);
        }
        catch
        {
            // A lock timeout leaves the transaction open and failed; the write's dispose rolls it back and closes.
            await new PostgresWrite(this, connection, 0, new StateChanges(0, false, [])).DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="begin"/>, <paramref name="setup"/> and <paramref name="head"/> (version, pruned version),
    /// then the documents changed after <paramref name="afterVersion"/> (null: none), in one batch; a read-only
    /// transaction (Repeatable Read) also commits in it, a write's stays open.
    /// </summary>
    private static async Task<StateChanges> ReadChangesAsync(
        NpgsqlConnection connection, string begin, string[] setup, string head, long? afterVersion, CancellationToken cancellationToken)
    {
        var readOnly = begin.EndsWith("READ ONLY", StringComparison.Ordinal);
        long version, pruned;
        List<DocumentChange> documents = [];
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(begin));
            foreach (var statement in setup)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand(head));
            if (afterVersion is { } after)
            {
                // From the start: every live document; else the feed (puts and tombstones) after the version.
                var changed = new NpgsqlBatchCommand(after == 0
                    ? "SELECT kind, id, seq, body FROM documents WHERE body IS NOT NULL ORDER BY seq"
                    : "SELECT kind, id, seq, body FROM documents WHERE version > $1 ORDER BY version, seq");
                if (after != 0)
                {
                    changed.Parameters.Add(new() { Value = after });
                }

                batch.BatchCommands.Add(changed);
            }

            if (readOnly)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await NextRowsAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (version, pruned) = (reader.GetInt64(0), reader.GetInt64(1));
            if (afterVersion is not null)
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                documents = await ReadDocumentsAsync(reader, cancellationToken).ConfigureAwait(false);
            }
        }

        if (afterVersion is not { } since)
        {
            return new StateChanges(version, false, []);
        }

        if (since == 0)
        {
            return new StateChanges(version, true, documents);
        }

        if (since >= pruned && since <= version)
        {
            return new StateChanges(version, false, documents);
        }

        // The feed no longer holds every change after the caller's version (tombstones pruned), or the database is
        // older than the caller's cache (restored from a backup): the whole state, in the write's transaction, or
        // in a snapshot of its own (possibly newer than the head read above, never older).
        await using var all = new NpgsqlCommand("SELECT kind, id, seq, body FROM documents WHERE body IS NOT NULL ORDER BY seq", connection);
        if (readOnly)
        {
            all.CommandText = "SELECT (SELECT version FROM state_head WHERE id = 1), kind, id, seq, body FROM documents WHERE body IS NOT NULL ORDER BY seq";
        }

        await using var rows = await all.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var everything = new List<DocumentChange>();
        var first = readOnly ? 1 : 0;
        var complete = version;
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            complete = readOnly ? rows.GetInt64(0) : version;
            everything.Add(new DocumentChange(rows.GetString(first), rows.GetString(first + 1), rows.GetInt64(first + 2), rows.GetString(first + 3)));
        }

        return new StateChanges(complete, true, everything);
    }

    private static async Task<List<DocumentChange>> ReadDocumentsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var documents = new List<DocumentChange>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            documents.Add(new DocumentChange(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return documents;
    }

    /// <summary>Moves past the results of statements that return no rows (BEGIN, SET, INSERT without RETURNING).</summary>
    internal static async Task NextRowsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        while (reader.FieldCount == 0)
        {
            if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("The batch returned no rows.");
            }
        }
    }

    private async Task<(long Version, long LastPosition)> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT version, last_position FROM state_head WHERE id = 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A commit (of this node or another) made the state <paramref name="version"/> and the outbox <paramref name="lastPosition"/>.</summary>
    internal void OnCommitted(long version, long lastPosition, bool signal)
    {
        if (signal)
        {
            HoldUntilApplied(version, lastPosition);
        }
        else
        {
            // This node's own commit: its tables hold it already (and every commit before it).
            _outbox?.OnAppended(lastPosition);
            ReleaseHeld(version);
        }

        long known;
        do
        {
            known = Volatile.Read(ref _knownVersion);
            if (version <= known)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _knownVersion, version, known) != known);

        if (signal)
        {
            _signals.Writer.TryWrite(true);
        }
    }

    private void HoldUntilApplied(long version, long position)
    {
        lock (_heldPositions)
        {
            if (version > _tablesVersion)
            {
                _heldPositions.Add((version, position));
                return;
            }
        }

        _outbox?.OnAppended(position);
    }

    /// <summary>The tables hold every commit up to <paramref name="version"/>: the outbox may wake readers for their events.</summary>
    private void ReleaseHeld(long version)
    {
        long position = 0;
        lock (_heldPositions)
        {
            _tablesVersion = Math.Max(_tablesVersion, version);
            for (var i = _heldPositions.Count - 1; i >= 0; i--)
            {
                if (_heldPositions[i].Version <= version)
                {
                    position = Math.Max(position, _heldPositions[i].Position);
                    _heldPositions.RemoveAt(i);
                }
            }
        }

        if (position > 0)
        {
            _outbox?.OnAppended(position);
        }
    }

    private async Task ListenAsync(TaskCompletionSource listening)
    {
        var stopping = _stopping.Token;
        var nextPrune = DateTimeOffset.UtcNow;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == AppliedChannel)
                    {
                        OnPeerApplied(e.Payload);
                        return;
                    }

                    var parts = e.Payload.Split(' ');
                    if (parts.Length == 2
                        && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
                        && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                    {
                        OnCommitted(version, position, signal: true);
                    }
                };
                await connection.OpenAsync(stopping).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}; LISTEN {AppliedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                ListenConnection = connection;
                listening.TrySetResult();

                // (Re)connected: notifications may have been missed while the connection was down.
                await ReconcileAsync(connection, force: true, stopping).ConfigureAwait(false);
                while (!stopping.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(ReconcileInterval, stopping).ConfigureAwait(false))
                    {
                        await ReconcileAsync(connection, force: false, stopping).ConfigureAwait(false);
                    }

                    if (DateTimeOffset.UtcNow >= nextPrune)
                    {
                        nextPrune = DateTimeOffset.UtcNow + TombstonePruneInterval;
                        try
                        {
                            await PruneTombstonesAsync(DateTimeOffset.UtcNow - TombstoneRetention, stopping).ConfigureAwait(false);
                        }
                        catch (NpgsqlException e)
                        {
                            // Not the notification connection's problem: try again at the next interval.
                            LogPruneFailed(_logger, e);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException or ObjectDisposedException)
            {
                ListenConnection = null;
                LogListenFailed(_logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        listening.TrySetResult();
        _signals.Writer.TryComplete();
    }

    public void Applied(long version)
    {
        ReleaseHeld(version);
        long current;
        do
        {
            current = Volatile.Read(ref _appliedToAnnounce);
            if (version <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _appliedToAnnounce, version, current) != current);

        if (Interlocked.Exchange(ref _announcing, 1) == 0)
        {
            _ = AnnounceAsync();
        }
    }

    /// <summary>Sends this node's applied version, the latest only when several arrive while one is being sent.</summary>
    private async Task AnnounceAsync()
    {
        try
        {
            while (true)
            {
                var version = Volatile.Read(ref _appliedToAnnounce);
                if (version <= _announced)
                {
                    Volatile.Write(ref _announcing, 0);

                    // An Applied() between the check and the release found the flag still set: take that one too.
                    if (Volatile.Read(ref _appliedToAnnounce) <= _announced || Interlocked.Exchange(ref _announcing, 1) != 0)
                    {
                        return;
                    }

                    continue;
                }

                await using var command = _dataSource.CreateCommand($"SELECT pg_notify('{AppliedChannel}', $1)");
                command.Parameters.Add(new() { Value = Node.Value + " " + version.ToString(CultureInfo.InvariantCulture) });
                await command.ExecuteNonQueryAsync(_stopping.Token).ConfigureAwait(false);
                _announced = version;
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Writers elsewhere stop waiting for this node after their timeout; the next apply announces again.
            Volatile.Write(ref _announcing, 0);
        }
    }

    private void OnPeerApplied(string payload)
    {
        var space = payload.LastIndexOf(' ');
        if (space <= 0 || !long.TryParse(payload.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return;
        }

        var node = payload[..space];
        if (node == Node.Value)
        {
            return;
        }

        _peerApplied.AddOrUpdate(node, version, (_, known) => Math.Max(known, version));
        _laggingPeers.TryRemove(node, out _);
        Interlocked.Exchange(ref _peerAck, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Waits until each of <paramref name="peers"/> has applied <paramref name="version"/>, at most
    /// <see cref="VisibilityTimeout"/>; peers that miss it are marked lagging and not waited for until they acknowledge again.
    /// </summary>
    internal async Task WaitAppliedAsync(long version, string[] peers)
    {
        var deadline = Environment.TickCount64 + (long)VisibilityTimeout.TotalMilliseconds;
        while (true)
        {
            var signal = Volatile.Read(ref _peerAck).Task;
            var missing = peers.Where(p => !_laggingPeers.ContainsKey(p) && (!_peerApplied.TryGetValue(p, out var applied) || applied < version)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0 || _stopping.IsCancellationRequested)
            {
                foreach (var peer in missing)
                {
                    _laggingPeers[peer] = true;
                }

                LogPeersLagging(_logger, version, string.Join(", ", missing));
                return;
            }

            await Task.WhenAny(signal, Task.Delay(TimeSpan.FromMilliseconds(left), _stopping.Token)).ConfigureAwait(false);
        }
    }

    private async Task ReconcileAsync(NpgsqlConnection connection, bool force, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, last_position FROM state_head WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        OnCommitted(reader.GetInt64(0), reader.GetInt64(1), signal: true);
        if (force)
        {
            _signals.Writer.TryWrite(true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.ConfigureAwait(false);
        _signals.Writer.TryComplete();
        if (_outbox is not null)
        {
            await _outbox.DisposeAsync().ConfigureAwait(false);
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 160, Level = LogLevel.Warning, Message = "PostgreSQL notifications interrupted; reconnecting (the cache reconciles once back)")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 162, Level = LogLevel.Warning, Message = "Nodes {Nodes} did not apply version {Version} in time; not waiting for them until they catch up")]
    private static partial void LogPeersLagging(ILogger logger, long version, string nodes);

    [LoggerMessage(EventId = 161, Level = LogLevel.Warning, Message = "Pruning deleted documents' tombstones failed; retrying in an hour")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
