using OpenIvs.Protocol.Model;
using OpenIvs.Server.Events;

namespace OpenIvs.Server.Streams.Lifecycle;

/// <summary>
/// Something that happened to a live stream, in the order it happened. The hub and the monitor report
/// facts; the session recorder turns them into stream-session writes and IVS events.
/// </summary>
public abstract record LifecycleFact(DateTimeOffset Time);

/// <summary>A publisher was admitted (IVS: Session Created). The channel and recording configuration are as at go-live.</summary>
public sealed record BroadcastBegan(LiveStream Stream, RecordingConfiguration? Recording, DateTimeOffset Time) : LifecycleFact(Time);

/// <summary>The stream's track configuration or measured ingest figures changed; the recorder reads them from the stream.</summary>
public sealed record ConfigurationChanged(LiveStream Stream, DateTimeOffset Time) : LifecycleFact(Time);

/// <summary>The first video keyframe arrived: segments are on their way to viewers (IVS: Stream Start).</summary>
public sealed record StreamStarted(LiveStream Stream, DateTimeOffset Time) : LifecycleFact(Time);

/// <summary>The stream started or stopped starving (IVS: Starvation Start / End).</summary>
public sealed record HealthChanged(LiveStream Stream, StreamHealth Health, DateTimeOffset Time) : LifecycleFact(Time);

/// <summary>A limit was exceeded; <see cref="Stream"/> is null for account-level limits (Concurrent Broadcasts).</summary>
public sealed record LimitBreached(LiveStream? Stream, LimitBreach Breach, DateTimeOffset Time) : LifecycleFact(Time);

/// <summary>An event raised by a reader of the stream (recorder, transcoder).</summary>
public sealed record EventRaised(LiveStream Stream, IvsEvent Event) : LifecycleFact(Event.Time);

/// <summary>The broadcast is over (IVS: Stream End if it started, then Session Ended).</summary>
public sealed record BroadcastEnded(LiveStream Stream, StreamEndReason Reason, DateTimeOffset Time) : LifecycleFact(Time);
