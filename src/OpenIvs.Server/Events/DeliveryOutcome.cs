namespace OpenIvs.Server.Events;

/// <summary>What happened to one event handed to a sink.</summary>
public readonly record struct DeliveryOutcome(DeliveryStatus Status, string? Reason = null)
{
    public static DeliveryOutcome Delivered { get; } = new(DeliveryStatus.Delivered);

    public static DeliveryOutcome Refused(string reason) => new(DeliveryStatus.Refused, reason);

    public static DeliveryOutcome Failed(string reason) => new(DeliveryStatus.Failed, reason);
}

public enum DeliveryStatus
{
    /// <summary>The destination has it.</summary>
    Delivered,

    /// <summary>The destination refused it for good (retrying cannot help): park it and go on.</summary>
    Refused,

    /// <summary>Not delivered this time (timeout, 5xx, throttling...): retry with backoff.</summary>
    Failed,
}
