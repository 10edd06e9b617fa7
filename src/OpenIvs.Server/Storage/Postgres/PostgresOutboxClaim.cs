using Npgsql;

namespace OpenIvs.Server.Storage.Postgres;

/// <summary>
/// A held sink lock: the session-level advisory lock lives as long as its connection, which a watchdog checks
/// every two seconds; when the check fails the claim is <see cref="Lost"/> (another node may take the sink).
/// Cursors are stored on that same connection, so a store that succeeds proves the lock was still held.
/// </summary>
internal sealed class PostgresOutboxClaim : IOutboxClaim
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly NpgsqlConnection _connection;
    private readonly string _sink;
    private readonly SemaphoreSlim _use = new(1, 1); // one command at a time on the connection
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _watchdog;

    public PostgresOutboxClaim(NpgsqlConnection connection, string sink)
    {
        _connection = connection;
        _sink = sink;
        _watchdog = Task.Run(WatchAsync, CancellationToken.None);
    }

    public CancellationToken Lost => _lost.Token;

    public async Task StoreCursorAsync(long position, CancellationToken cancellationToken)
    {
        await _use.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand(PostgresEventOutbox.StoreCursorSql, _connection);
            PostgresEventOutbox.AddCursorParameters(command, _sink, position);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
            await _lost.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _use.Release();
        }
    }

    private async Task WatchAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(CheckInterval, _disposing.Token).ConfigureAwait(false);
                await _use.WaitAsync(_disposing.Token).ConfigureAwait(false);
                try
                {
                    await using var command = new NpgsqlCommand("SELECT 1", _connection);
                    await command.ExecuteScalarAsync(_disposing.Token).ConfigureAwait(false);
                }
                finally
                {
                    _use.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            // Released.
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
            await _lost.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        await _watchdog.ConfigureAwait(false);

        // Closing the connection releases the advisory lock.
        await _connection.DisposeAsync().ConfigureAwait(false);
        _lost.Dispose();
        _disposing.Dispose();
        _use.Dispose();
    }
}
