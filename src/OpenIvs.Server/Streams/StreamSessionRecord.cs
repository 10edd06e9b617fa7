using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Streams;

/// <summary>
/// A stream session (one broadcast) as stored: the channel as it was at go-live, what was ingested, and
/// the events of the session in the order they happened. Kept for the retention period (60 days).
/// </summary>
public sealed record StreamSessionRecord
{
    public required string StreamId { get; init; }

    public required string ChannelArn { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    /// <summary>The node that ingested the stream (<c>--node-id</c>): in a cluster, who closes it if that node dies.</summary>
    public string? NodeId { get; init; }

    public required Channel Channel { get; init; }

    public RecordingConfiguration? RecordingConfiguration { get; init; }

    public IngestConfigurations? IngestConfigurations { get; init; }

    /// <summary>Oldest first; the API shows at most 500, newest first.</summary>
    public required List<StreamEvent> Events { get; init; }

    public StreamSession ToApi() => new()
    {
        StreamId = StreamId,
        StartTime = StartTime,
        EndTime = EndTime,
        Channel = Channel,
        RecordingConfiguration = RecordingConfiguration,
        IngestConfigurations = IngestConfigurations,
        IngestConfiguration = IngestConfigurations is null ? null : LegacyIngestConfiguration(IngestConfigurations),
        TruncatedEvents = [.. Events.AsEnumerable().Reverse().Take(500)],
    };

    /// <summary>The first video and audio track in the older single-configuration shape (ingestConfiguration).</summary>
    public static IngestConfiguration LegacyIngestConfiguration(IngestConfigurations ingest)
    {
        var video = ingest.VideoConfigurations?.FirstOrDefault();
        var audio = ingest.AudioConfigurations?.FirstOrDefault();
        return new IngestConfiguration
        {
            Video = video is null ? null : new VideoConfiguration
            {
                AvcProfile = video.Profile,
                AvcLevel = video.Level,
                Codec = video.Codec,
                Encoder = video.Encoder,
                TargetBitrate = video.TargetBitrate,
                TargetFramerate = video.TargetFramerate,
                VideoHeight = video.VideoHeight,
                VideoWidth = video.VideoWidth,
            },
            Audio = audio is null ? null : new AudioConfiguration
            {
                Codec = audio.Codec,
                TargetBitrate = audio.TargetBitrate,
                SampleRate = audio.SampleRate,
                Channels = audio.Channels,
            },
        };
    }

    /// <summary>The session as ListStreamSessions shows it: hasErrorEvent looks at every stored event, not only the newest 500.</summary>
    public StreamSessionSummary ToSummary() => new()
    {
        StreamId = StreamId,
        StartTime = StartTime,
        EndTime = EndTime,
        HasErrorEvent = Events.Exists(IsErrorEvent),
    };

    /// <summary>Whether an event marks the session as having hit an error (a quota breach or a failure).</summary>
    private static bool IsErrorEvent(StreamEvent e) =>
        e.Code is not null || e.Type == "IVS Limit Breach" || e.Name is "Stream Failure" or "Stream Takeover Failure" or "Recording Start Failure" or "Recording End Failure";
}
