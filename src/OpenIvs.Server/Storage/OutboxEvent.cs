namespace OpenIvs.Server.Storage;

/// <summary>
/// An event in the outbox: its position (the outbox's order), its stable EventBridge <c>id</c> (receivers
/// de-duplicate on it), the channel it concerns (null for account-level events) and the envelope JSON.
/// </summary>
public sealed record OutboxEvent(long Position, string Id, string? ChannelArn, string DetailType, DateTimeOffset Time, string Json)
{
    /// <summary>Reads an event stored as (position, id, channel_arn, detail_type, time in Unix ms, body) from column <paramref name="first"/>.</summary>
    internal static OutboxEvent Read(System.Data.Common.DbDataReader reader, int first) => new(
        reader.GetInt64(first),
        reader.GetString(first + 1),
        reader.IsDBNull(first + 2) ? null : reader.GetString(first + 2),
        reader.GetString(first + 3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 4)),
        reader.GetString(first + 5));
}
