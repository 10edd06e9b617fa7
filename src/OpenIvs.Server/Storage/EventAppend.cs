namespace OpenIvs.Server.Storage;

/// <summary>An event to append to the outbox with a commit (<see cref="DocumentWrite.AppendEvent"/>).</summary>
public sealed record EventAppend(string Id, string? ChannelArn, string DetailType, DateTimeOffset Time, string Json);
