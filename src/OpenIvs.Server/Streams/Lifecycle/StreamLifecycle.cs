using System.Threading.Channels;

namespace OpenIvs.Server.Streams.Lifecycle;

/// <summary>
/// The bounded queue of lifecycle facts between the live side (hub, monitor) and the session recorder.
/// Reporting never waits: facts are a handful per broadcast, so the bound is only reached if storage has
/// been stuck for a long time, and then a fact is dropped and counted rather than stalling ingest.
/// </summary>
public sealed partial class StreamLifecycle(ILogger<StreamLifecycle> logger)
{
    /// <summary>Room for the facts of thousands of streams beginning and ending while storage is slow.</summary>
    public const int Capacity = 65_536;

    private readonly Channel<LifecycleFact> _facts = Channel.CreateBounded<LifecycleFact>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // never waits: writers only use TryWrite
    });

    private long _dropped;

    public ChannelReader<LifecycleFact> Facts => _facts.Reader;

    /// <summary>Facts lost because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Report(LifecycleFact fact)
    {
        if (!_facts.Writer.TryWrite(fact))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            LogDropped(logger, fact.GetType().Name, dropped);
        }
    }

    /// <summary>No more facts (shutdown): the recorder drains what is queued and stops.</summary>
    public void Complete() => _facts.Writer.TryComplete();

    [LoggerMessage(EventId = 320, Level = LogLevel.Error, Message = "Lifecycle queue full (storage stuck?): {Fact} dropped, {Dropped} in all")]
    private static partial void LogDropped(ILogger logger, string fact, long dropped);
}
