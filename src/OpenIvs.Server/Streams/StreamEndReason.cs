using System.Globalization;

namespace OpenIvs.Server.Streams;

/// <summary>
/// Why a broadcast ended, in words a log reader or an operator understands (never a bare error type):
/// which limit and by how much, how long it was idle, who stopped it.
/// </summary>
/// <param name="Kind">A stable name for the cause.</param>
/// <param name="Description">A sentence with the figures.</param>
/// <param name="Failure">The IVS Stream Failure reason to emit, when the service refused to process the stream.</param>
/// <param name="Code">The Session Ended event's <c>code</c> (multitrack input refusals, ivs-behavior.md 1.6).</param>
public sealed record StreamEndReason(StreamEndKind Kind, string Description, string? Failure = null, string? Code = null)
{
    public static StreamEndReason PublisherLeft(string detail) => new(StreamEndKind.PublisherLeft, $"the publisher disconnected ({detail})");

    public static StreamEndReason Stopped { get; } = new(StreamEndKind.StoppedByApi, "stopped by StopStream");

    public static StreamEndReason Shutdown { get; } = new(StreamEndKind.Shutdown, "the server is shutting down");

    public static StreamEndReason Idle(TimeSpan idle) =>
        new(StreamEndKind.IdleTimeout, string.Create(CultureInfo.InvariantCulture, $"no media for {idle.TotalSeconds:0.#} s (idle timeout)"));

    public static StreamEndReason MaxDuration(TimeSpan limit) =>
        new(StreamEndKind.MaxDuration, string.Create(CultureInfo.InvariantCulture, $"the stream reached the maximum duration of {limit.TotalHours:0.##} h"));

    public static StreamEndReason LimitBreach(LimitBreach breach) => new(StreamEndKind.LimitBreach, breach.Describe());

    /// <summary>The service will not process the stream (for example a codec the channel cannot carry).</summary>
    public static StreamEndReason Refused(string reason) => new(StreamEndKind.Failure, reason, reason);

    /// <summary>Multitrack input the channel does not take (<paramref name="code"/>: IVS's Session Ended code).</summary>
    public static StreamEndReason MultitrackRefused(string code, string description) => new(StreamEndKind.InputRefused, $"{description} ({code})", Code: code);

    /// <summary>The node holding the stream stopped renewing its lease (crashed, or cut off from the cluster's database).</summary>
    public static StreamEndReason NodeLost(string detail) => new(StreamEndKind.NodeLost, detail);

    public override string ToString() => Description;
}

public enum StreamEndKind
{
    PublisherLeft,
    StoppedByApi,
    IdleTimeout,
    MaxDuration,
    LimitBreach,
    Failure,

    /// <summary>Input the channel's configuration does not allow (multitrack rules); Session Ended carries the code.</summary>
    InputRefused,
    Shutdown,

    /// <summary>The stream's node lost its lease in the cluster (docs/cluster.md).</summary>
    NodeLost,
}
