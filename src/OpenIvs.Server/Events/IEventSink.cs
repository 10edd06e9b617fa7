using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Events;

/// <summary>
/// A destination the <see cref="EventRelay"/> delivers outbox events to, in outbox order, from its own cursor.
/// </summary>
public interface IEventSink
{
    /// <summary>Stable key of the sink's cursor (must not change between runs, must not hold secrets).</summary>
    string Name { get; }

    /// <summary>How the sink appears in logs (no secrets).</summary>
    string DisplayName { get; }

    /// <summary>
    /// The most events handed to one <see cref="DeliverAsync"/> call: one request to the destination. The relay stores
    /// the cursor after each call, so a crash re-delivers at most one call's events.
    /// </summary>
    int BatchSize { get; }

    /// <summary>
    /// Delivers <paramref name="events"/> in order. The result has one outcome per event from the first, and may
    /// stop early: events after the last outcome were not attempted. Throwing counts as a failure of the first.
    /// </summary>
    Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<OutboxEvent> events, CancellationToken cancellationToken);
}
