using System.Collections.Concurrent;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// On the node holding a stream: how many viewers each other node serves of it (by relaying it), as they last
/// reported (<see cref="RelayedViewerReporter"/>). A report counts for <see cref="Lifetime"/>, so a node that stops
/// reporting (gone, or its viewers left) stops counting soon after.
/// </summary>
public sealed class RelayedViewerTotals(TimeProvider time)
{
    /// <summary>Three report intervals: one late report does not drop a node's viewers.</summary>
    public static readonly TimeSpan Lifetime = RelayedViewerReporter.Interval * 3;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (long Viewers, DateTimeOffset Until)>> _byChannel = new(StringComparer.Ordinal);

    public void Set(string channelArn, string nodeId, long viewers)
    {
        if (viewers > 0)
        {
            _byChannel.GetOrAdd(channelArn, static _ => new(StringComparer.Ordinal))[nodeId] = (viewers, time.GetUtcNow() + Lifetime);
        }
        else if (_byChannel.TryGetValue(channelArn, out var nodes))
        {
            nodes.TryRemove(nodeId, out _);
        }
    }

    /// <summary>Viewers of the channel's stream on the other nodes, now.</summary>
    public long Sum(string channelArn)
    {
        if (!_byChannel.TryGetValue(channelArn, out var nodes))
        {
            return 0;
        }

        var now = time.GetUtcNow();
        long sum = 0;
        foreach (var (node, (viewers, until)) in nodes)
        {
            if (until >= now)
            {
                sum += viewers;
            }
            else
            {
                nodes.TryRemove(node, out _);
            }
        }

        return sum;
    }
}
