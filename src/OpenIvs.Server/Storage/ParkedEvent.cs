namespace OpenIvs.Server.Storage;

/// <summary>An event a sink gave up on (refused, or undeliverable for too long), with the reason.</summary>
public sealed record ParkedEvent(string Sink, OutboxEvent Event, string Reason, DateTimeOffset ParkedAt);
