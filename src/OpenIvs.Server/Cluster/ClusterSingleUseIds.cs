using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// Single-use playback token ids spent once for the whole cluster (<c>playback_single_use_ids</c>, migration 3): a
/// session start inserts the id, by the key that signed the token, and only the insert that wrote the row starts
/// playback. One round trip per session start of a single-use token, nothing per media request. A database that
/// does not answer within <see cref="SpendTimeout"/> refuses the viewer (fail closed). Ids this node has seen spent
/// are refused from memory; rows are pruned by the database's clock once no node accepts their tokens.
/// </summary>
internal sealed partial class ClusterSingleUseIds(PostgresStateStore store, NodeIdentity node, TimeProvider time, ILogger<ClusterSingleUseIds> logger)
    : ISingleUseIds
{
    /// <summary>How long a viewer waits for the database at most before it is refused.</summary>
    internal static readonly TimeSpan SpendTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Rows stay this long after their <c>keep_until</c>: room for a node's clock behind the database's.</summary>
    internal static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private const string SpendSql = """
        INSERT INTO playback_single_use_ids (key_id, use_hash, keep_until, node_id, spent_at) VALUES ($1, $2, $3, $4, now())
        ON CONFLICT DO NOTHING
        """;

    private readonly TimeProvider _time = time;
    private readonly LocalSingleUseIds _known = new(time);
    private long _lastPrune = time.GetTimestamp();
    private int _pruning;

    public bool IsKnownSpent(string keyId, string id) => _known.IsKnownSpent(keyId, id);

    public async ValueTask<SingleUseSpend> SpendAsync(string keyId, string id, DateTimeOffset keepUntil, CancellationToken cancellationToken)
    {
        if (_known.IsKnownSpent(keyId, id))
        {
            return SingleUseSpend.AlreadySpent;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SpendTimeout);
        try
        {
            await using var command = store.DataSource.CreateCommand(SpendSql);
            command.Parameters.Add(new() { Value = keyId });
            command.Parameters.Add(new() { Value = UseHash(id), NpgsqlDbType = NpgsqlDbType.Bytea });
            command.Parameters.Add(new() { Value = keepUntil.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = node.Value });
            var written = await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
            _known.Remember(keyId, id, keepUntil);
            return written == 1 ? SingleUseSpend.Spent : SingleUseSpend.AlreadySpent;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException
                                   || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogSpendFailed(logger, e);
            return SingleUseSpend.Unavailable;
        }
        catch (OperationCanceledException)
        {
            return SingleUseSpend.Unavailable; // the viewer went away
        }
    }

    public void Sweep()
    {
        _known.Sweep();
        if (_time.GetElapsedTime(Volatile.Read(ref _lastPrune)) >= PruneInterval && Interlocked.Exchange(ref _pruning, 1) == 0)
        {
            Volatile.Write(ref _lastPrune, _time.GetTimestamp());
            _ = PruneInBackgroundAsync();
        }
    }

    /// <summary>Deletes the rows of tokens no node accepts any more (by the database's clock); returns how many.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand("DELETE FROM playback_single_use_ids WHERE keep_until < now() - $1");
        command.Parameters.Add(new() { Value = ClockMargin, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PruneInBackgroundAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await PruneAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            LogPruneFailed(logger, e);
        }
        finally
        {
            Volatile.Write(ref _pruning, 0);
        }
    }

    /// <summary>The id's SHA-256: any length of id fits the key, and the table holds no token content.</summary>
    private static byte[] UseHash(string id) => SHA256.HashData(Encoding.UTF8.GetBytes(id));

    [LoggerMessage(EventId = 1530, Level = LogLevel.Warning, Message = "A single-use playback token was refused: its id could not be spent in the database")]
    private static partial void LogSpendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1531, Level = LogLevel.Warning, Message = "Pruning spent single-use playback token ids failed; the next sweep tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
