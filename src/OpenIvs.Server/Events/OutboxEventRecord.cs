namespace OpenIvs.Server.Events;

/// <summary>
/// An event waiting in the durable outbox. Written in the same transaction as the state change that
/// caused it, so an event is never lost and never describes a change that did not happen; a delivery
/// component (EventBridge-style targets, webhooks) reads and marks them later.
/// </summary>
public sealed class OutboxEventRecord
{
    public required string EventId { get; init; }

    public required string DetailType { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The full EventBridge event JSON.</summary>
    public required string Json { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }
}
