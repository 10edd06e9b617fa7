using Microsoft.Extensions.Hosting;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Streams.Lifecycle;

/// <summary>
/// Turns lifecycle facts into stream-session records and IVS events, written together in one durable
/// transaction per batch (everything queued when the previous batch finished), so an event is never lost
/// and never describes a session that was not stored. Also closes sessions a crash left open, and prunes
/// sessions past their retention.
/// </summary>
public sealed partial class SessionRecorder : BackgroundService
{
    private const int MaxBatch = 512;
    private const int MaxEventsPerSession = 500;
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly ServiceAccount _account;
    private readonly IngestOptions _options;
    private readonly StreamLifecycle _lifecycle;
    private readonly StreamTables _tables;
    private readonly DocumentStore _store;
    private readonly LiveStreamHub _hub;
    private readonly string _nodeId;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionRecorder> _logger;
    private DateTimeOffset _lastPrune;

    public SessionRecorder(
        ServiceAccount account, IngestOptions options, StreamLifecycle lifecycle, StreamTables tables, DocumentStore store, LiveStreamHub hub,
        NodeIdentity node, TimeProvider time, ILogger<SessionRecorder> logger)
    {
        _nodeId = node.Value;
        _account = account;
        _options = options;
        _lifecycle = lifecycle;
        _tables = tables;
        _store = store;
        _hub = hub;
        _time = time;
        _logger = logger;
        _lastPrune = time.GetUtcNow();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // End what is still live so its sessions close with the right events, then let the loop drain the queue.
        _hub.EndAll(StreamEndReason.Shutdown);
        _lifecycle.Complete();
        if (ExecuteTask is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // In a cluster, the node's lease decides which open sessions are leftovers (Cluster/ClusterNode).
        if (_store.Durable is not ISharedStateStore)
        {
            await CloseUnfinishedSessionsAsync(stoppingToken).ConfigureAwait(false);
        }

        var facts = _lifecycle.Facts;
        var batch = new List<LifecycleFact>(MaxBatch);

        // Not cancelled by stoppingToken: at shutdown the queue is completed and drained instead.
        while (await facts.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && facts.TryRead(out var fact))
            {
                batch.Add(fact);
            }

            await WriteWithRetriesAsync(batch).ConfigureAwait(false);
            batch.Clear();
            if (_time.GetUtcNow() - _lastPrune >= PruneInterval && !stoppingToken.IsCancellationRequested)
            {
                _lastPrune = _time.GetUtcNow();
                await PruneAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteWithRetriesAsync(List<LifecycleFact> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < 5)
            {
                LogWriteRetry(_logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * (1 << attempt)), _time).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                LogWriteFailed(_logger, e, batch.Count);
                foreach (var fact in batch)
                {
                    if (fact is BroadcastEnded ended)
                    {
                        ended.Stream.EndRecorded.TrySetResult();
                    }
                }

                return;
            }
        }
    }

    /// <summary>
    /// Applies a batch of facts: the touched sessions and their events in one transaction. Built under the write lock,
    /// from the sessions as stored now: in a cluster another node may have closed one (this node lost its lease).
    /// </summary>
    private async Task WriteAsync(List<LifecycleFact> batch)
    {
        await using var write = await _store.BeginWriteAsync(CancellationToken.None).ConfigureAwait(false);
        var sessions = new Dictionary<string, SessionDraft>(StringComparer.Ordinal);
        var events = new List<IvsEvent>();
        foreach (var fact in batch)
        {
            switch (fact)
            {
                case BroadcastBegan began:
                    sessions[began.Stream.StreamId] = new SessionDraft(new StreamSessionRecord
                    {
                        StreamId = began.Stream.StreamId,
                        ChannelArn = began.Stream.ChannelArn,
                        StartTime = began.Stream.StartTime,
                        Channel = began.Stream.Channel,
                        RecordingConfiguration = began.Recording,
                        NodeId = _nodeId,
                        Events = [],
                    });
                    Add(sessions, events, began.Stream, StateEvent(began.Stream, "Session Created", began.Time));
                    break;
                case ConfigurationChanged changed when Draft(sessions, changed.Stream) is { } draft:
                    draft.Ingest = IngestSnapshot.Of(changed.Stream);
                    break;
                case StreamStarted started:
                    Add(sessions, events, started.Stream, StateEvent(started.Stream, "Stream Start", started.Time));
                    break;
                case HealthChanged health:
                    Add(sessions, events, health.Stream, IvsEvent.StreamHealth(
                        health.Health == StreamHealth.Starving ? "Starvation Start" : "Starvation End",
                        _account.Region, _account.AccountId, health.Stream.ChannelArn, health.Stream.Channel.Name ?? string.Empty, health.Stream.StreamId, health.Time));
                    break;
                case LimitBreached { Stream: null } account:
                    events.Add(LimitEvent(account.Breach, null, account.Time));
                    break;
                case LimitBreached limit:
                    Add(sessions, events, limit.Stream, LimitEvent(limit.Breach, limit.Stream, limit.Time));
                    break;
                case EventRaised raised:
                    Add(sessions, events, raised.Stream, raised.Event);
                    break;
                case BroadcastEnded ended when _tables.Sessions.TryGet(ended.Stream.StreamId, out var stored) && stored.EndTime is not null:
                    LogClosedElsewhere(_logger, ended.Stream.ChannelArn, ended.Stream.StreamId);
                    break;
                case BroadcastEnded ended:
                    if (ended.Reason.Failure is { } failure)
                    {
                        Add(sessions, events, ended.Stream, StateEvent(ended.Stream, "Stream Failure", ended.Time, reason: failure));
                    }

                    if (ended.Stream.Started)
                    {
                        Add(sessions, events, ended.Stream, StateEvent(ended.Stream, "Stream End", ended.Time));
                    }

                    Add(sessions, events, ended.Stream, StateEvent(ended.Stream, "Session Ended", ended.Time, code: ended.Reason.Code));
                    if (Draft(sessions, ended.Stream) is { } closing)
                    {
                        closing.EndTime = ended.Time;
                        if (ended.Stream.Video is not null || ended.Stream.Audio is not null)
                        {
                            closing.Ingest = IngestSnapshot.Of(ended.Stream);
                        }
                    }

                    break;
            }
        }

        foreach (var draft in sessions.Values)
        {
            write.Put(_tables.Sessions, draft.StreamId, draft.ToRecord());
        }

        foreach (var e in events)
        {
            AppendEvent(write, e);
        }

        await write.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        await write.DisposeAsync().ConfigureAwait(false);

        foreach (var fact in batch)
        {
            if (fact is BroadcastEnded ended)
            {
                ended.Stream.EndRecorded.TrySetResult();
            }
        }
    }

    /// <summary>Adds an event to the durable outbox and, when its stream has a session, to that session's events.</summary>
    private void Add(Dictionary<string, SessionDraft> sessions, List<IvsEvent> events, LiveStream stream, IvsEvent e)
    {
        events.Add(e);
        Draft(sessions, stream)?.Events.Add(new StreamEvent { Name = e.Name, Type = e.DetailType, EventTime = e.Time, Code = e.Code });
    }

    private SessionDraft? Draft(Dictionary<string, SessionDraft> sessions, LiveStream stream)
    {
        if (sessions.TryGetValue(stream.StreamId, out var draft))
        {
            return draft;
        }

        if (!_tables.Sessions.TryGet(stream.StreamId, out var stored))
        {
            return null;
        }

        return sessions[stream.StreamId] = new SessionDraft(stored);
    }

    private static void AppendEvent(DocumentWrite write, IvsEvent e) => write.AppendEvent(e.ToOutbox());

    private IvsEvent StateEvent(LiveStream stream, string name, DateTimeOffset time, string? reason = null, string? code = null) =>
        StateEvent(stream.ChannelArn, stream.Channel.Name, stream.StreamId, name, time, reason, code);

    private IvsEvent StateEvent(string channelArn, string? channelName, string streamId, string name, DateTimeOffset time, string? reason = null, string? code = null) =>
        IvsEvent.StreamState(name, _account.Region, _account.AccountId, channelArn, channelName ?? string.Empty, streamId, time, code, reason);

    private IvsEvent LimitEvent(LimitBreach breach, LiveStream? stream, DateTimeOffset time) =>
        IvsEvent.Limit(breach.Name, breach.Limit, breach.ExceededBy, breach.Unit, _account.Region, _account.AccountId, time,
            stream?.ChannelArn, stream?.Channel.Name, stream?.StreamId);

    /// <summary>Sessions left open by a crash are closed at start-up (Stream End if it had started, then Session Ended).</summary>
    private async Task CloseUnfinishedSessionsAsync(CancellationToken cancellationToken)
    {
        var open = _tables.Sessions.Values.Where(s => s.EndTime is null && _hub.Find(s.ChannelArn)?.StreamId != s.StreamId).ToList();
        if (open.Count == 0)
        {
            return;
        }

        await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        Close(write, open, "the server stopped while it was live");
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes sessions whose stream is gone without its end recorded (a crash, a node that lost its lease) in
    /// <paramref name="write"/>: Stream End if it had started, then Session Ended, to the session and the outbox.
    /// </summary>
    internal void Close(DocumentWrite write, IReadOnlyList<StreamSessionRecord> open, string reason)
    {
        var now = _time.GetUtcNow();
        foreach (var session in open)
        {
            var draft = new SessionDraft(session) { EndTime = now };
            var closing = new List<IvsEvent>();
            if (session.Events.Any(e => e.Name == "Stream Start"))
            {
                closing.Add(StateEvent(session.ChannelArn, session.Channel.Name, session.StreamId, "Stream End", now));
            }

            closing.Add(StateEvent(session.ChannelArn, session.Channel.Name, session.StreamId, "Session Ended", now));
            foreach (var e in closing)
            {
                draft.Events.Add(new StreamEvent { Name = e.Name, Type = e.DetailType, EventTime = e.Time });
                AppendEvent(write, e);
            }

            write.Put(_tables.Sessions, session.StreamId, draft.ToRecord());
            LogClosedLeftover(_logger, session.ChannelArn, session.StreamId, session.NodeId ?? "-", reason);
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - _options.SessionRetention;
        var expired = _tables.Sessions.Values.Where(s => s.EndTime < cutoff).Select(s => s.StreamId).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        await using var write = await _store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var id in expired)
        {
            write.Delete(_tables.Sessions, id);
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A session being changed by a batch.</summary>
    private sealed class SessionDraft(StreamSessionRecord stored)
    {
        public string StreamId => stored.StreamId;

        public DateTimeOffset? EndTime { get; set; } = stored.EndTime;

        public IngestConfigurations? Ingest { get; set; } = stored.IngestConfigurations;

        public List<StreamEvent> Events { get; } = [.. stored.Events];

        public StreamSessionRecord ToRecord() => stored with
        {
            EndTime = EndTime,
            IngestConfigurations = Ingest,
            Events = Events.Count > MaxEventsPerSession ? Events[^MaxEventsPerSession..] : Events,
        };
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Storing {Count} stream lifecycle facts failed (attempt {Attempt}); retrying")]
    private static partial void LogWriteRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "Storing {Count} stream lifecycle facts failed; their session changes and events are lost")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Channel {ChannelArn} stream {StreamId} (node {NodeId}) ended without its end recorded: {Reason}; its session is closed now")]
    private static partial void LogClosedLeftover(ILogger logger, string channelArn, string streamId, string nodeId, string reason);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Channel {ChannelArn} stream {StreamId} ended here, but another node had already closed its session (this node had lost its lease)")]
    private static partial void LogClosedElsewhere(ILogger logger, string channelArn, string streamId);
}
