using System.Collections.Concurrent;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// <see cref="PlaybackOptions.MaxViewersPerChannel"/> over the whole cluster: a new viewer is admitted while this
/// node's sessions of the channel plus the viewers the other nodes serve of it (<see cref="IStreamLocator.ViewersElsewhere"/>,
/// as of their last heartbeats) are below the limit, on the holder and on relays alike. One episode over the limit
/// reports one <c>Concurrent Viewers</c> limit breach: on one node, the first refusal reports it and the next one is
/// reported after a viewer of the channel was admitted again. In a cluster the episode is shared
/// (<see cref="IViewerBreachEpisodes"/>): the refusal that opens it reports it, on whichever node.
/// </summary>
internal sealed class ViewerLimit(PlaybackOptions options, IStreamLocator locator, IStreamHub hub, TimeProvider time, IViewerBreachEpisodes? episodes = null)
{
    /// <summary>While refusing, a node tells the cluster again this often: keeps the episode open, or opens the next one.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    // Channels this node is refusing viewers of, with when it last told the cluster.
    private readonly ConcurrentDictionary<string, long> _breached = new(StringComparer.Ordinal);

    /// <summary>Whether one more viewer of <paramref name="channelArn"/> may start a session here, where it has <paramref name="sessionsHere"/>.</summary>
    public bool Admits(string channelArn, long sessionsHere)
    {
        var limit = options.MaxViewersPerChannel;
        var viewers = sessionsHere + locator.ViewersElsewhere(channelArn);
        if (viewers < limit)
        {
            if (_breached.TryRemove(channelArn, out _))
            {
                episodes?.Admitted(channelArn);
            }

            return true;
        }

        var now = time.GetTimestamp();
        if (_breached.TryAdd(channelArn, now))
        {
            Refused(channelArn, LimitBreach.ConcurrentViewers(limit, viewers + 1));
        }
        else if (episodes is not null && _breached.TryGetValue(channelArn, out var told)
                 && time.GetElapsedTime(told, now) >= RefreshInterval && _breached.TryUpdate(channelArn, now, told))
        {
            Refused(channelArn, LimitBreach.ConcurrentViewers(limit, viewers + 1));
        }

        return false;
    }

    /// <summary>Reports the breach (one node), or tells the cluster, which reports it where the episode opens.</summary>
    private void Refused(string channelArn, LimitBreach breach)
    {
        if (episodes is null)
        {
            hub.ReportLimitBreach(breach, null);
        }
        else
        {
            episodes.Refused(channelArn, () => hub.ReportLimitBreach(breach, null));
        }
    }
}
