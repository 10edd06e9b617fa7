using System.Collections.Concurrent;

namespace OpenIvs.Server.Streams;

/// <summary>
/// Viewers this node serves of streams held by other nodes (relayed playback), by channel ARN. The relay sets
/// them; the node's heartbeat publishes them, so that every node's count of the stream (GetStream, ListStreams, the
/// viewer limit) includes every node's viewers.
/// </summary>
public sealed class RelayedViewerCounts
{
    private readonly ConcurrentDictionary<string, long> _viewers = new(StringComparer.Ordinal);

    public void Set(string channelArn, long viewers)
    {
        if (viewers > 0)
        {
            _viewers[channelArn] = viewers;
        }
        else
        {
            _viewers.TryRemove(channelArn, out _);
        }
    }

    public long Get(string channelArn) => _viewers.TryGetValue(channelArn, out var viewers) ? viewers : 0;

    public KeyValuePair<string, long>[] Snapshot() => _viewers.ToArray();
}
