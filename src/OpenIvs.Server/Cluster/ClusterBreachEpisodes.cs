using Npgsql;
using NpgsqlTypes;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// Concurrent Viewers breach episodes shared by the cluster (<c>viewer_limit_breaches</c>, migration 3), so one
/// episode over a channel's viewer limit gives one event, not one per refusing node. A refusal upserts the
/// channel's row: the statement that inserts it, or finds it quiet for <see cref="QuietEnd"/>, opens the episode and
/// its node raises the event; a node that refused in the episode and admits a viewer again deletes the row.
/// The database is asked off the viewer's path, one statement at a time per node (so a node's delete and its next
/// claim keep their order). A database that cannot be asked raises the event anyway: a duplicate rather than none.
/// </summary>
internal sealed partial class ClusterBreachEpisodes(PostgresStateStore store, NodeIdentity node, ILogger<ClusterBreachEpisodes> logger)
    : IViewerBreachEpisodes
{
    /// <summary>An episode no node refused a viewer in for this long is over (a node that refused may never admit again).</summary>
    internal static readonly TimeSpan QuietEnd = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(5);

    private const string ClaimSql = """
        INSERT INTO viewer_limit_breaches AS b (channel_arn, opener, node_id, opened_at, refused_at) VALUES ($1, $2, $3, now(), now())
        ON CONFLICT (channel_arn) DO UPDATE SET refused_at = now(),
            opener = CASE WHEN b.refused_at < now() - $4 THEN excluded.opener ELSE b.opener END,
            node_id = CASE WHEN b.refused_at < now() - $4 THEN excluded.node_id ELSE b.node_id END,
            opened_at = CASE WHEN b.refused_at < now() - $4 THEN now() ELSE b.opened_at END
        RETURNING opener = $2
        """;

    private readonly Lock _gate = new();
    private Task _tail = Task.CompletedTask;
    private int _raised;
    private int _settled;

    /// <summary>Events this node raised (tests).</summary>
    internal int Raised => Volatile.Read(ref _raised);

    /// <summary>Statements this node completed, whatever they found (tests).</summary>
    internal int Settled => Volatile.Read(ref _settled);

    public void Refused(string channelArn, Action raise) => Enqueue(async () =>
    {
        bool opened;
        try
        {
            using var timeout = new CancellationTokenSource(StatementTimeout);
            await using var command = store.DataSource.CreateCommand(ClaimSql);
            command.Parameters.Add(new() { Value = channelArn });
            command.Parameters.Add(new() { Value = Guid.NewGuid().ToString("N") });
            command.Parameters.Add(new() { Value = node.Value });
            command.Parameters.Add(new() { Value = QuietEnd, NpgsqlDbType = NpgsqlDbType.Interval });
            opened = await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false) is true;
        }
        catch (Exception e) when (IsDatabaseFailure(e))
        {
            LogClaimFailed(logger, e, channelArn);
            opened = true;
        }

        if (opened)
        {
            raise();
            Interlocked.Increment(ref _raised);
        }
    });

    public void Admitted(string channelArn) => Enqueue(async () =>
    {
        try
        {
            // Rows of channels whose episodes went quiet long ago go too (a channel no longer live, say).
            using var timeout = new CancellationTokenSource(StatementTimeout);
            await using var command = store.DataSource.CreateCommand(
                "DELETE FROM viewer_limit_breaches WHERE channel_arn = $1 OR refused_at < now() - interval '1 day'");
            command.Parameters.Add(new() { Value = channelArn });
            await command.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsDatabaseFailure(e))
        {
            LogEndFailed(logger, e, channelArn); // the episode ends when it goes quiet instead
        }
    });

    private void Enqueue(Func<Task> statement)
    {
        lock (_gate)
        {
            _tail = _tail.ContinueWith(
                async _ =>
                {
                    await statement().ConfigureAwait(false);
                    Interlocked.Increment(ref _settled);
                },
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private static bool IsDatabaseFailure(Exception e) =>
        e is NpgsqlException or IOException or TimeoutException or InvalidOperationException or OperationCanceledException;

    [LoggerMessage(EventId = 1532, Level = LogLevel.Warning, Message = "The viewer limit breach of {ChannelArn} could not be shared with the cluster; reporting it from this node")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string channelArn);

    [LoggerMessage(EventId = 1533, Level = LogLevel.Warning, Message = "Ending the viewer limit breach of {ChannelArn} in the cluster failed; it ends once no node refused viewers for a while")]
    private static partial void LogEndFailed(ILogger logger, Exception exception, string channelArn);
}
