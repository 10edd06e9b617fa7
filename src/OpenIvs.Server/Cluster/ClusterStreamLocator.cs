using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// Where live channels are held, from the cluster's slots and node reports as this node last read them (refreshed by
/// every heartbeat and at once when a node notifies a change). A slot counts while its node's lease holds on this
/// node's clock: a node that died stops being a holder the moment its lease ends, before any node closed its streams.
/// </summary>
public sealed class ClusterStreamLocator : IStreamLocator
{
    private readonly NodeLease _lease;
    private readonly ResourceTables _resources;
    private readonly RelayedViewerCounts _relayed;
    private volatile Holdings _holdings = new(new Dictionary<string, Holding>(StringComparer.Ordinal), new Dictionary<string, long>(StringComparer.Ordinal));

    public ClusterStreamLocator(NodeLease lease, ResourceTables resources, RelayedViewerCounts relayed)
    {
        _lease = lease;
        _resources = resources;
        _relayed = relayed;
    }

    public RemoteStream? FindRemote(string channelArn) =>
        _holdings.ByChannel.TryGetValue(channelArn, out var holding) && Holds(holding) ? WithViewers(holding) : null;

    public IReadOnlyList<RemoteStream> RemoteStreams =>
        [.. _holdings.ByChannel.Values.Where(Holds).Select(WithViewers).OrderBy(s => s.Stream.StartTime).ThenBy(s => s.StreamId, StringComparer.Ordinal)];

    /// <summary>
    /// The holder's viewers (when another live node holds the channel) plus the viewers every other live node relays,
    /// as of their last heartbeats that this node read.
    /// </summary>
    public long ViewersElsewhere(string channelArn)
    {
        var holdings = _holdings;
        var relayed = holdings.RelayedElsewhere.GetValueOrDefault(channelArn);
        return holdings.ByChannel.TryGetValue(channelArn, out var holding) && Holds(holding)
            ? relayed + (holding.Remote.Stream.ViewerCount ?? 0)
            : relayed;
    }

    internal void Update(ClusterView view)
    {
        var me = _lease.NodeId;
        var relayedElsewhere = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in view.Nodes.Values.Where(n => n.NodeId != me && _lease.Remaining(n.LeaseDeadline) > TimeSpan.Zero))
        {
            foreach (var (channelArn, viewers) in node.Report.Relayed)
            {
                relayedElsewhere[channelArn] = relayedElsewhere.GetValueOrDefault(channelArn) + viewers;
            }
        }

        var byChannel = new Dictionary<string, Holding>(StringComparer.Ordinal);
        foreach (var slot in view.Slots)
        {
            if (slot.NodeId == me || !view.Nodes.TryGetValue(slot.NodeId, out var node))
            {
                continue;
            }

            // The holder's report of this stream, when it has sent one since the slot was taken.
            var report = node.Report.Live.Find(l => l.ChannelArn == slot.ChannelArn && l.StreamId == slot.StreamId);
            var stream = new Protocol.Model.Stream
            {
                ChannelArn = slot.ChannelArn,
                StreamId = slot.StreamId,
                PlaybackUrl = report?.PlaybackUrl ?? PlaybackUrlOf(slot.ChannelArn),
                StartTime = report?.StartTime ?? slot.StartedAt,
                State = StreamState.Live,
                Health = report is null ? StreamHealth.Healthy : new StreamHealth(report.Health),
                ViewerCount = report?.Viewers ?? 0,
            };
            byChannel[slot.ChannelArn] = new Holding(new RemoteStream(slot.ChannelArn, slot.StreamId, slot.NodeId, node.AdvertiseUrl, stream), node.LeaseDeadline);
        }

        _holdings = new Holdings(byChannel, relayedElsewhere);
    }

    private bool Holds(Holding holding) => _lease.Remaining(holding.LeaseDeadline) > TimeSpan.Zero;

    /// <summary>The holder's viewers plus every node's relayed viewers (this node's as of now, the others' as reported).</summary>
    private RemoteStream WithViewers(Holding holding)
    {
        var remote = holding.Remote;
        var viewers = _relayed.Get(remote.ChannelArn) + ViewersElsewhere(remote.ChannelArn);
        return viewers == (remote.Stream.ViewerCount ?? 0) ? remote : remote with { Stream = Copy(remote.Stream, viewers) };
    }

    private static Protocol.Model.Stream Copy(Protocol.Model.Stream stream, long viewers) => new()
    {
        ChannelArn = stream.ChannelArn,
        StreamId = stream.StreamId,
        PlaybackUrl = stream.PlaybackUrl,
        StartTime = stream.StartTime,
        State = stream.State,
        Health = stream.Health,
        ViewerCount = viewers,
    };

    private string? PlaybackUrlOf(string channelArn) =>
        IvsArn.TryParse(channelArn, out var arn) && _resources.Channels.TryGet(arn.Value.Id, out var channel) ? channel.Channel.PlaybackUrl : null;

    private sealed record Holding(RemoteStream Remote, long LeaseDeadline);

    private sealed record Holdings(Dictionary<string, Holding> ByChannel, Dictionary<string, long> RelayedElsewhere);
}
