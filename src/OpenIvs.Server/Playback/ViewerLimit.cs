using System.Collections.Concurrent;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// <see cref="PlaybackOptions.MaxViewersPerChannel"/> over the whole cluster: a new viewer is admitted while this
/// node's sessions of the channel plus the viewers the other nodes serve of it (<see cref="IStreamLocator.ViewersElsewhere"/>,
/// as of their last heartbeats) are below the limit, on the holder and on relays alike. The first refusal of a breach
/// reports a <c>Concurrent Viewers</c> limit breach; the next one is reported after a viewer of the channel was
/// admitted again on this node. On one node nothing is elsewhere and this is the node's own count.
/// </summary>
internal sealed class ViewerLimit(PlaybackOptions options, IStreamLocator locator, IStreamHub hub)
{
    private readonly ConcurrentDictionary<string, bool> _breached = new(StringComparer.Ordinal);

    /// <summary>Whether one more viewer of <paramref name="channelArn"/> may start a session here, where it has <paramref name="sessionsHere"/>.</summary>
    public bool Admits(string channelArn, long sessionsHere)
    {
        var limit = options.MaxViewersPerChannel;
        var viewers = sessionsHere + locator.ViewersElsewhere(channelArn);
        if (viewers < limit)
        {
            _breached.TryRemove(channelArn, out _);
            return true;
        }

        if (_breached.TryAdd(channelArn, true))
        {
            hub.ReportLimitBreach(LimitBreach.ConcurrentViewers(limit, viewers + 1), null);
        }

        return false;
    }
}
