using Microsoft.Extensions.Hosting;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>
/// Reloads users, keys and policies when another process (<c>openivs admin</c>) changed the store, so a
/// new key works and a deleted or rotated key stops working within about a second, without a restart.
/// </summary>
public sealed partial class IamWatcher(DocumentStore store, IamTables tables, IamDirectory directory, TimeProvider time, ILogger<IamWatcher> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WatchAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        // Unknown at first, so the first tick reloads once: a change made while the server was starting
        // (before this loop read any stamp) is not missed.
        long? last = null;
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var stamp = await store.Durable.GetExternalChangeStampAsync(stoppingToken).ConfigureAwait(false);
                if (stamp == last)
                {
                    continue;
                }

                last = stamp;
                await store.ReloadAsync([.. tables.All], stoppingToken).ConfigureAwait(false);
                directory.Reload();
                LogReloaded(logger, tables.Users.Count, tables.AccessKeys.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReloadFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "IAM reloaded: {Users} users, {AccessKeys} access keys")]
    private static partial void LogReloaded(ILogger logger, int users, int accessKeys);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "IAM reload failed; keeping the previous keys")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
