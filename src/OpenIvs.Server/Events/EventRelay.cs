using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Events;

/// <summary>
/// Delivers the outbox to every configured <see cref="IEventSink"/>: one independent loop per sink reads a
/// batch after the sink's cursor and delivers it request by request, storing the cursor after each request and
/// before the next (a crash in between re-delivers that one request, never loses). A failing sink retries its oldest undelivered event with exponential backoff
/// and jitter, blocking only itself; after <see cref="EventOptions.ParkAfter"/> of failures the event is parked
/// and the sink moves on. Also prunes delivered events past <see cref="EventOptions.Retention"/>.
/// </summary>
public sealed partial class EventRelay(
    IStateStore store,
    IEnumerable<IEventSink> sinks,
    EventOptions options,
    EventsTelemetry telemetry,
    TimeProvider time,
    ILogger<EventRelay> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    /// <summary>Events read from the outbox at once; delivered in requests of the sink's <see cref="IEventSink.BatchSize"/>.</summary>
    private const int ReadSize = 100;

    private readonly IReadOnlyList<IEventSink> _sinks = [.. sinks];
    private readonly ConcurrentDictionary<string, long> _cursors = new(StringComparer.Ordinal);
    private readonly EventOptions _options = options;

    public IReadOnlyList<IEventSink> Sinks => _sinks;

    /// <summary>
    /// Reads (or, for a new sink, creates) every sink's cursor before anything can append: the relay starts before
    /// the stream hub and the listeners, so a new sink's "from now on" includes every event of this run.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
        {
            _cursors[sink.Name] = await StartPositionAsync(sink, cancellationToken).ConfigureAwait(false);
            telemetry.CursorAt(sink.Name, _cursors[sink.Name]);
        }

        LogSinks(logger, _sinks.Count == 0 ? "none (GET /_openivs/events only)" : string.Join(", ", _sinks.Select(s => $"{s.DisplayName} (metrics label sink=\"{s.Name}\")")), _options.Retention);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = _sinks.Select(sink => Task.Run(() => RunSinkAsync(sink, stoppingToken), CancellationToken.None)).ToList();
        loops.Add(Task.Run(() => PruneLoopAsync(stoppingToken), CancellationToken.None));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes events every sink has delivered (all of them when there is no sink) and parked events, older than
    /// the retention. Returns how many events were deleted.
    /// </summary>
    public Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var through = _sinks.Count == 0 ? store.Outbox.LastPosition : _sinks.Min(s => _cursors.GetValueOrDefault(s.Name));
        return store.Outbox.PruneAsync(through, time.GetUtcNow() - _options.Retention, cancellationToken);
    }

    private async Task<long> StartPositionAsync(IEventSink sink, CancellationToken cancellationToken)
    {
        if (await store.Outbox.GetCursorAsync(sink.Name, cancellationToken).ConfigureAwait(false) is { } cursor)
        {
            return cursor;
        }

        // A sink configured for the first time gets the events from now on, not the retained history.
        var start = store.Outbox.LastPosition;
        await store.Outbox.SetCursorAsync(sink.Name, start, cancellationToken).ConfigureAwait(false);
        LogSinkStarted(logger, sink.DisplayName, start);
        return start;
    }

    /// <summary>
    /// Delivers while this process holds the sink's claim (with a store shared by several nodes, one node at a
    /// time), from the cursor stored by whoever held it before; claims again when the claim is lost.
    /// </summary>
    private async Task RunSinkAsync(IEventSink sink, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var claim = await store.Outbox.ClaimAsync(sink.Name, stoppingToken).ConfigureAwait(false);
                using var claimed = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, claim.Lost);
                if (await store.Outbox.GetCursorAsync(sink.Name, claimed.Token).ConfigureAwait(false) is { } stored)
                {
                    _cursors[sink.Name] = stored;
                }

                await DeliverAsync(sink, claim, claimed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRelayError(logger, sink.DisplayName, e);
                try
                {
                    await Task.Delay(FirstRetry, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverAsync(IEventSink sink, IOutboxClaim claim, CancellationToken stoppingToken)
    {
        var outbox = store.Outbox;
        var cursor = _cursors[sink.Name];
        var stored = cursor;
        var attempts = 0;
        long failingPosition = -1;
        var failingSince = DateTimeOffset.MinValue;

        // The cursor is stored after every delivery (one request: a webhook POST, an EventBridge PutEvents) and
        // before the next is sent, so a holder killed at any moment re-delivers at most the one request whose
        // answer it had read and not yet recorded. Nothing is sent while a store is failing.
        async Task StoreCursorAsync(CancellationToken cancellationToken)
        {
            if (cursor != stored)
            {
                await claim.StoreCursorAsync(cursor, cancellationToken).ConfigureAwait(false);
                stored = cursor;
                _cursors[sink.Name] = cursor;
            }
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await StoreCursorAsync(stoppingToken).ConfigureAwait(false);
                    var batch = await outbox.ReadAsync(cursor, Math.Max(sink.BatchSize, ReadSize), null, stoppingToken).ConfigureAwait(false);
                    if (batch.Count == 0)
                    {
                        await outbox.WaitAsync(cursor, stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    string? failure = null;
                    OutboxEvent? head = null;
                    for (var offset = 0; offset < batch.Count && failure is null; offset += sink.BatchSize)
                    {
                        var request = batch.Skip(offset).Take(sink.BatchSize).ToList();
                        (var through, failure, head) = await DeliverRequestAsync(sink, request, cursor, stoppingToken).ConfigureAwait(false);
                        cursor = through;
                        telemetry.CursorAt(sink.Name, cursor);
                        await StoreCursorAsync(stoppingToken).ConfigureAwait(false);
                    }

                    if (head is null || failure is null)
                    {
                        attempts = 0;
                        continue;
                    }

                    var now = time.GetUtcNow();
                    if (head.Position != failingPosition)
                    {
                        failingPosition = head.Position;
                        failingSince = now;
                        attempts = 0;
                    }

                    if (now - failingSince >= _options.ParkAfter)
                    {
                        await ParkAsync(sink, head, $"undeliverable for {_options.ParkAfter}: {failure}", stoppingToken).ConfigureAwait(false);
                        telemetry.NotDelivered(sink.Name, "parked");
                        cursor = head.Position;
                        telemetry.CursorAt(sink.Name, cursor);
                        await StoreCursorAsync(stoppingToken).ConfigureAwait(false);
                        attempts = 0;
                        continue;
                    }

                    attempts++;
                    telemetry.NotDelivered(sink.Name, "failed");
                    var delay = Backoff(attempts);
                    LogDeliveryFailed(logger, sink.DisplayName, head.Id, head.Position, attempts, failure, delay);
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The outbox itself failed (disk full, database locked too long): try again later.
                    attempts++;
                    LogRelayError(logger, sink.DisplayName, e);
                    try
                    {
                        await Task.Delay(Backoff(attempts), time, stoppingToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            if (cursor != stored)
            {
                // The claim may be gone (stopping, or its connection broke): store through the outbox, which never
                // moves a cursor back, so a newer holder's progress is kept.
                try
                {
                    await outbox.SetCursorAsync(sink.Name, cursor, CancellationToken.None).ConfigureAwait(false);
                    _cursors[sink.Name] = cursor;
                }
                catch (Exception e)
                {
                    LogRelayError(logger, sink.DisplayName, e);
                }
            }
        }
    }

    /// <summary>
    /// One delivery request. Returns the position the sink is done through (delivered, or refused and parked),
    /// and the failure with the event it happened on (both null when the whole request is done).
    /// </summary>
    private async Task<(long Through, string? Failure, OutboxEvent? Head)> DeliverRequestAsync(
        IEventSink sink, List<OutboxEvent> request, long cursor, CancellationToken stoppingToken)
    {
        IReadOnlyList<DeliveryOutcome> outcomes;
        try
        {
            outcomes = await sink.DeliverAsync(request, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            outcomes = [DeliveryOutcome.Failed(e.GetType().Name + ": " + e.Message)];
        }

        var deliveredAt = time.GetUtcNow();
        for (var index = 0; index < request.Count; index++)
        {
            if (index >= outcomes.Count)
            {
                return (cursor, "the sink did not attempt it", request[index]);
            }

            var outcome = outcomes[index];
            if (outcome.Status == DeliveryStatus.Failed)
            {
                return (cursor, outcome.Reason ?? "failed", request[index]);
            }

            if (outcome.Status == DeliveryStatus.Refused)
            {
                await ParkAsync(sink, request[index], "refused: " + outcome.Reason, stoppingToken).ConfigureAwait(false);
                telemetry.NotDelivered(sink.Name, "refused");
            }
            else
            {
                telemetry.Delivered(sink.Name, deliveredAt - request[index].Time);
            }

            cursor = request[index].Position;
        }

        return (cursor, null, null);
    }

    private async Task ParkAsync(IEventSink sink, OutboxEvent e, string reason, CancellationToken cancellationToken)
    {
        await store.Outbox.ParkAsync(sink.Name, e, reason, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        LogParked(logger, sink.DisplayName, e.Id, e.DetailType, e.Position, reason);
    }

    /// <summary>1 s, 2 s, 4 s ... up to <see cref="EventOptions.MaxBackoff"/>, each between half and all of it.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var ceiling = Math.Min(_options.MaxBackoff.TotalSeconds, FirstRetry.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 30)));
        return TimeSpan.FromSeconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private async Task PruneLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pruned = await PruneOnceAsync(stoppingToken).ConfigureAwait(false);
                if (pruned > 0)
                {
                    LogPruned(logger, pruned, _options.Retention);
                }

                await Task.Delay(PruneInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRelayError(logger, "pruning", e);
                try
                {
                    await Task.Delay(PruneInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Event sink {Sink} starts after outbox position {Position}")]
    private static partial void LogSinkStarted(ILogger logger, string sink, long position);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Event sink {Sink}: event {EventId} (position {Position}) not delivered, attempt {Attempt}: {Failure}; retrying in {Delay}")]
    private static partial void LogDeliveryFailed(ILogger logger, string sink, string eventId, long position, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(EventId = 702, Level = LogLevel.Error, Message = "Event sink {Sink}: parked event {EventId} ({DetailType}, position {Position}) as dead: {Reason}")]
    private static partial void LogParked(ILogger logger, string sink, string eventId, string detailType, long position, string reason);

    [LoggerMessage(EventId = 703, Level = LogLevel.Error, Message = "Event relay ({Sink}) failed; retrying")]
    private static partial void LogRelayError(ILogger logger, string sink, Exception exception);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Event sinks: {Sinks}; delivered events kept {Retention}")]
    private static partial void LogSinks(ILogger logger, string sinks, TimeSpan retention);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Pruned {Count} delivered events older than {Retention}")]
    private static partial void LogPruned(ILogger logger, int count, TimeSpan retention);
}
