namespace OpenIvs.Server.Streams;

/// <summary>What <see cref="ILiveStreams.InsertAdBreakAsync"/> did.</summary>
public enum AdBreakInsertion
{
    Inserted,

    /// <summary>The channel is not live.</summary>
    NotLive,

    /// <summary>An ad break is already waiting to start or running on the stream.</summary>
    InProgress,
}
