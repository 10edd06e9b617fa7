using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// The live side as the API sees it when several nodes share one database: streams held here answer from this
/// node's hub (<see cref="LiveStreams"/>), streams held elsewhere from the <see cref="IStreamLocator"/>, and actions
/// on a stream held elsewhere go to its holder (<see cref="NodeClient"/>). So every node answers the same and acts
/// on the node that has the publisher. A holder that cannot be reached fails the call at once with a retryable
/// server error (StreamUnavailable for StopStream, InternalServerException for the others), never a false
/// "not broadcasting". Only composed when the locator is not the one-node <see cref="LocalStreamLocator"/>.
/// </summary>
public sealed partial class ClusterLiveStreams(
    LiveStreams local, IStreamLocator locator, NodeClient nodes, ResourceCatalog resources,
    ILogger<ClusterLiveStreams> logger) : ILiveStreams
{
    public bool IsLive(string channelArn) => local.IsLive(channelArn) || locator.FindRemote(channelArn) is not null;

    /// <summary>A stream held here counts the viewers the other nodes serve of it too, as their heartbeats report them.</summary>
    public Protocol.Model.Stream? GetStream(string channelArn)
    {
        if (local.GetStream(channelArn) is not { } stream)
        {
            return locator.FindRemote(channelArn)?.Stream;
        }

        stream.ViewerCount += locator.ViewersElsewhere(channelArn);
        return stream;
    }

    /// <summary>This node's streams and the other nodes', in one order: by start time, then stream id.</summary>
    public IReadOnlyList<StreamSummary> ListStreams()
    {
        var here = local.ListStreams();
        foreach (var stream in here)
        {
            stream.ViewerCount += locator.ViewersElsewhere(stream.ChannelArn!);
        }

        var remote = locator.RemoteStreams;
        if (remote.Count == 0)
        {
            return here;
        }

        // A channel live here is this node's answer, whatever a stale remote entry still says.
        var channelsHere = here.Select(s => s.ChannelArn!).ToHashSet(StringComparer.Ordinal);
        return
        [
            .. here.Concat(remote.Where(r => !channelsHere.Contains(r.ChannelArn)).Select(r => Summary(r.Stream)))
                .OrderBy(s => s.StartTime)
                .ThenBy(s => s.StreamId, StringComparer.Ordinal),
        ];
    }

    public async ValueTask<bool> StopAsync(string channelArn, CancellationToken cancellationToken)
    {
        if (local.IsLive(channelArn) || locator.FindRemote(channelArn) is not { } holder)
        {
            return await local.StopAsync(channelArn, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await nodes.StopAsync(holder, cancellationToken).ConfigureAwait(false);
        }
        catch (NodeUnreachableException e)
        {
            LogUnreachable(logger, e.NodeId, "StopStream", channelArn, e.Message);
            throw new StreamUnavailable("The stream is temporarily unavailable: the node ingesting it did not answer. Try again.");
        }
    }

    public async ValueTask<bool> PutMetadataAsync(string channelArn, string metadata, CancellationToken cancellationToken)
    {
        if (local.IsLive(channelArn) || locator.FindRemote(channelArn) is not { } holder)
        {
            return await local.PutMetadataAsync(channelArn, metadata, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await nodes.PutMetadataAsync(holder, metadata, cancellationToken).ConfigureAwait(false);
        }
        catch (NodeUnreachableException e)
        {
            LogUnreachable(logger, e.NodeId, "PutMetadata", channelArn, e.Message);
            throw Unavailable();
        }
    }

    public async ValueTask<AdBreakInsertion> InsertAdBreakAsync(string channelArn, string adBreakId, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (local.IsLive(channelArn) || locator.FindRemote(channelArn) is not { } holder)
        {
            return local.InsertAdBreak(channelArn, adBreakId, duration);
        }

        try
        {
            return await nodes.InsertAdBreakAsync(holder, adBreakId, duration, cancellationToken).ConfigureAwait(false);
        }
        catch (NodeUnreachableException e)
        {
            LogUnreachable(logger, e.NodeId, "InsertAdBreak", channelArn, e.Message);
            throw Unavailable();
        }
    }

    /// <summary>
    /// Sessions are in the shared database; a session live on another node shows what its holder measures now
    /// (as GetStreamSession on the holder does), or what was stored when the holder does not answer in time.
    /// </summary>
    public async ValueTask<IReadOnlyList<StreamSession>> ListSessionsAsync(string channelArn, CancellationToken cancellationToken)
    {
        var sessions = local.ListSessions(channelArn);
        if (local.IsLive(channelArn) || locator.FindRemote(channelArn) is not { } holder)
        {
            return sessions;
        }

        IngestConfigurations? ingest = null;
        try
        {
            ingest = await nodes.IngestAsync(holder, cancellationToken).ConfigureAwait(false);
        }
        catch (NodeUnreachableException e)
        {
            LogUnreachable(logger, e.NodeId, "GetStreamSession", channelArn, e.Message);
        }

        var list = sessions.ToList();
        var index = list.FindIndex(s => s.StreamId == holder.StreamId);
        if (index < 0)
        {
            // Live a moment ago and not stored yet (or not seen here yet): shown from the locator until it is.
            list.Add(new StreamSession
            {
                StreamId = holder.StreamId,
                StartTime = holder.Stream.StartTime,
                Channel = resources.Find(resources.Tables.ChannelKind, channelArn) is { } channel ? resources.Tables.ChannelKind.Shape(channel) : null,
                IngestConfigurations = ingest,
                TruncatedEvents = [],
            });
            return [.. list.OrderByDescending(s => s.StartTime).ThenByDescending(s => s.StreamId, StringComparer.Ordinal)];
        }

        if (ingest is not null)
        {
            list[index] = WithIngest(list[index], ingest);
        }

        return list;
    }

    public IReadOnlyList<StreamSessionSummary> ListSessionSummaries(string channelArn)
    {
        var summaries = local.ListSessionSummaries(channelArn);
        if (local.IsLive(channelArn) || locator.FindRemote(channelArn) is not { } holder || summaries.Any(s => s.StreamId == holder.StreamId))
        {
            return summaries;
        }

        return
        [
            .. summaries.Append(new StreamSessionSummary { StreamId = holder.StreamId, StartTime = holder.Stream.StartTime, HasErrorEvent = false })
                .OrderByDescending(s => s.StartTime)
                .ThenByDescending(s => s.StreamId, StringComparer.Ordinal),
        ];
    }

    private static InternalServerException Unavailable() =>
        new("The node ingesting the stream did not answer; the request was not applied. Try again.");

    private static StreamSummary Summary(Protocol.Model.Stream stream) => new()
    {
        ChannelArn = stream.ChannelArn,
        StreamId = stream.StreamId,
        State = stream.State,
        Health = stream.Health,
        ViewerCount = stream.ViewerCount,
        StartTime = stream.StartTime,
    };

    /// <summary>The session with the holder's current ingest, in both of the shapes GetStreamSession carries it.</summary>
    private static StreamSession WithIngest(StreamSession session, IngestConfigurations ingest)
    {
        session.IngestConfigurations = ingest;
        session.IngestConfiguration = StreamSessionRecord.LegacyIngestConfiguration(ingest);
        return session;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}, which holds {ChannelArn}, did not answer {Operation}: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string node, string operation, string channelArn, string reason);
}
