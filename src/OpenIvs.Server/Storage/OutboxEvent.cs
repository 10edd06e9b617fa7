namespace OpenIvs.Server.Storage;

/// <summary>
/// An event in the outbox: its position (the outbox's order), its stable EventBridge <c>id</c> (receivers
/// de-duplicate on it), the channel it concerns (null for account-level events) and the envelope JSON.
/// </summary>
public sealed record OutboxEvent(long Position, string Id, string? ChannelArn, string DetailType, DateTimeOffset Time, string Json);
