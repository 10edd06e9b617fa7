namespace OpenIvs.Server.Storage;

/// <summary>
/// The read side of the durable event outbox. Events are appended by <see cref="Storage.DocumentWrite.AppendEvent"/>
/// in the same transaction as the state change that caused them; each gets a position, increasing in commit
/// order, that never changes and is never reused. Delivery sinks keep a cursor (the last position they
/// delivered) here, so a restart resumes where they stopped. Nothing here loads the whole history.
/// </summary>
public interface IEventOutbox
{
    /// <summary>The position of the newest event (0 when none was ever appended).</summary>
    long LastPosition { get; }

    /// <summary>
    /// Up to <paramref name="limit"/> events after <paramref name="afterPosition"/>, oldest first; with
    /// <paramref name="channelArn"/> only that channel's events.
    /// </summary>
    Task<IReadOnlyList<OutboxEvent>> ReadAsync(long afterPosition, int limit, string? channelArn, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when an event after <paramref name="afterPosition"/> exists (at once if one does). Woken by
    /// the append itself, so a waiting reader sees an event as soon as it is committed.
    /// </summary>
    Task WaitAsync(long afterPosition, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until this process may deliver <paramref name="sink"/>'s events: with a store shared by several nodes,
    /// one node at a time, so no event is delivered twice because two nodes raced. Read the cursor after claiming.
    /// </summary>
    Task<IOutboxClaim> ClaimAsync(string sink, CancellationToken cancellationToken);

    /// <summary>The sink's cursor, or null for a sink never seen before.</summary>
    Task<long?> GetCursorAsync(string sink, CancellationToken cancellationToken);

    /// <summary>Moves the sink's cursor to <paramref name="position"/> (creates it when new).</summary>
    Task SetCursorAsync(string sink, long position, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="sink"/> gave up on an event (kept until pruned by its <paramref name="parkedAt"/>).</summary>
    Task ParkAsync(string sink, OutboxEvent outboxEvent, string reason, DateTimeOffset parkedAt, CancellationToken cancellationToken);

    /// <summary>Events parked by <paramref name="sink"/> (or every sink), oldest first.</summary>
    Task<IReadOnlyList<ParkedEvent>> ReadParkedAsync(string? sink, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes events at or before <paramref name="throughPosition"/> whose time is before <paramref name="olderThan"/>,
    /// and parked events parked before <paramref name="olderThan"/>. Returns how many events were deleted.
    /// </summary>
    Task<int> PruneAsync(long throughPosition, DateTimeOffset olderThan, CancellationToken cancellationToken);
}
