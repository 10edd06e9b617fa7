using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// A live stream's ingest figures as the web console charts them (<c>/console/health</c>): measured on the node that
/// holds the stream, and asked of it by the others (<see cref="NodeClient.FiguresAsync"/>).
/// </summary>
public sealed record LiveFigures(string StreamId, string Health, long VideoBitrate, long AudioBitrate, double FrameRate, double KeyframeInterval, long Viewers)
{
    public static LiveFigures Of(LiveStream stream) => new(
        stream.StreamId,
        stream.Health.Value,
        stream.Metrics.VideoBitrate,
        stream.Metrics.AudioBitrate,
        Math.Round(stream.Metrics.FrameRate, 2),
        stream.Metrics.KeyframeInterval.TotalSeconds,
        stream.ViewerCount);
}
