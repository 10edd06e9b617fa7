using Microsoft.Extensions.Hosting;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// Tells each holding node, every <see cref="Interval"/>, how many viewers this node serves of its streams
/// (<see cref="RelayedViewerCounts"/>, set by the relay), so that the holder's viewer count (GetStream, ListStreams,
/// and the state it publishes to the other nodes) covers every node. A channel whose viewers here dropped to none is
/// reported once as 0. Does nothing on a node alone (<see cref="LocalStreamLocator"/>).
/// </summary>
public sealed partial class RelayedViewerReporter(
    RelayedViewerCounts counts, IStreamLocator locator, NodeClient nodes, TimeProvider time, ILogger<RelayedViewerReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private HashSet<string> _reported = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (locator is LocalStreamLocator)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await ReportAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    internal async Task ReportAsync(CancellationToken cancellationToken)
    {
        var now = counts.Snapshot().ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        foreach (var gone in _reported.Where(c => !now.ContainsKey(c)))
        {
            now[gone] = 0;
        }

        // One holder's silence must not hold up the others' reports.
        await Task.WhenAll(now.Select(async entry =>
        {
            if (locator.FindRemote(entry.Key) is not { } holder)
            {
                return;
            }

            try
            {
                await nodes.ReportViewersAsync(holder, entry.Value, cancellationToken).ConfigureAwait(false);
            }
            catch (NodeUnreachableException e)
            {
                LogUnreachable(logger, e.NodeId, entry.Key, e.Message);
            }
        })).ConfigureAwait(false);
        _reported = [.. now.Where(e => e.Value > 0).Select(e => e.Key)];
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not report relayed viewers of {ChannelArn} to node {Node}: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string node, string channelArn, string reason);
}
