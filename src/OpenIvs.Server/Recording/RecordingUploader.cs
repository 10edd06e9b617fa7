using Microsoft.Extensions.Hosting;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Hands spooled objects to the destination, each recording's objects in order, a few recordings at a time.
/// A failed put is retried with growing pauses (up to 30 s) while the objects stay in the spool, so an S3
/// outage delays delivery and never touches packaging. When a sealed recording's last object is stored, its
/// <see cref="SpooledRecording.Finished"/> callback runs (Recording End) and its folder is removed.
/// </summary>
internal sealed partial class RecordingUploader(RecordingSpool spool, IRecordingDestinations destinations, TimeProvider time, ILogger<RecordingUploader> logger)
    : BackgroundService
{
    private const int Parallelism = 4;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly Dictionary<SpooledRecording, Task> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await spool.WaitForWorkAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                foreach (var done in _running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
                {
                    _running.Remove(done);
                }

                var now = time.GetUtcNow();
                foreach (var recording in spool.Recordings.OrderBy(r => r.Id, StringComparer.Ordinal))
                {
                    if (_running.Count >= Parallelism)
                    {
                        break;
                    }

                    if (!_running.ContainsKey(recording) && recording.RetryAt <= now && (recording.PendingCount > 0 || recording.Sealed))
                    {
                        _running[recording] = Task.Run(() => DeliverAsync(recording, stoppingToken), CancellationToken.None);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(_running.Values).ConfigureAwait(false);
    }

    private async Task DeliverAsync(SpooledRecording recording, CancellationToken cancellationToken)
    {
        try
        {
            while (recording.Next() is { } item)
            {
                await destinations.PutAsync(recording.Bucket, item.Key, item.File, ContentType(item.Key), cancellationToken).ConfigureAwait(false);
                recording.Delivered(item);
                recording.Failures = 0;
            }

            if (recording.IsDelivered)
            {
                spool.Forget(recording);
                if (recording.Finished is { } finished)
                {
                    await finished().ConfigureAwait(false);
                }

                recording.Delete();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            recording.Failures++;
            var pause = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(recording.Failures, 10)) / 4));
            recording.RetryAt = time.GetUtcNow() + pause;
            LogPutFailed(logger, recording.Bucket, recording.Prefix, recording.PendingCount, pause.TotalSeconds, e.Message);
        }
    }

    public static string ContentType(string key) => Path.GetExtension(key) switch
    {
        ".m3u8" => "application/x-mpegURL",
        ".ts" => "video/MP2T",
        ".mp4" => "video/mp4",
        ".jpg" => "image/jpeg",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Recording upload to {Bucket}/{Prefix} failed ({Pending} objects waiting, retry in {Seconds} s): {Error}")]
    private static partial void LogPutFailed(ILogger logger, string bucket, string prefix, int pending, double seconds, string error);
}
