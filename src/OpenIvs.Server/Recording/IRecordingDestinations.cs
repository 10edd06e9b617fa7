using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Recording;

/// <summary>Where recordings go, and whether a recording configuration's destination can be used.</summary>
public interface IRecordingDestinations
{
    /// <summary>True when recordings can be written to the destination (its bucket exists and accepts writes).</summary>
    Task<bool> IsUsableAsync(DestinationConfiguration destination, CancellationToken cancellationToken);
}

/// <summary>
/// Buckets as folders under <c>&lt;data-dir&gt;/s3/</c>, used when no S3-compatible endpoint is
/// configured. A bucket folder is created on first use, so every valid bucket name is usable.
/// </summary>
public sealed class LocalRecordingDestinations(string root) : IRecordingDestinations
{
    public Task<bool> IsUsableAsync(DestinationConfiguration destination, CancellationToken cancellationToken)
    {
        var bucket = destination.S3?.BucketName;
        if (string.IsNullOrEmpty(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            return Task.FromResult(false);
        }

        try
        {
            Directory.CreateDirectory(Path.Combine(root, bucket));
            return Task.FromResult(true);
        }
        catch (IOException)
        {
            return Task.FromResult(false);
        }
        catch (UnauthorizedAccessException)
        {
            return Task.FromResult(false);
        }
    }
}
