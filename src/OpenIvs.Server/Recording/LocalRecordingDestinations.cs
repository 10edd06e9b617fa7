namespace OpenIvs.Server.Recording;

/// <summary>
/// The embedded destination: buckets as folders under <c>&lt;data-dir&gt;/s3/</c>, served read-only at
/// <c>/_openivs/s3/</c>. A bucket folder is created on first use, so every valid bucket name is usable.
/// Objects appear atomically (renamed into place), so a reader never sees half a file.
/// </summary>
public sealed class LocalRecordingDestinations(string root) : IRecordingDestinations
{
    public string Root { get; } = Path.GetFullPath(root);

    public Task<string?> CheckBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        if (!IsSafeName(bucket))
        {
            return Task.FromResult<string?>($"'{bucket}' is not a usable bucket name.");
        }

        try
        {
            Directory.CreateDirectory(Path.Combine(Root, bucket));
            return Task.FromResult<string?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<string?>($"The bucket folder cannot be created: {e.Message}");
        }
    }

    public Task PutAsync(string bucket, string key, string file, string contentType, CancellationToken cancellationToken)
    {
        var target = PathOf(bucket, key) ?? throw new ArgumentException($"'{bucket}/{key}' is not a valid object name.");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(file, target, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>The file of an object, or null when the name could leave the root (.., empty parts).</summary>
    public string? PathOf(string bucket, string key)
    {
        if (!IsSafeName(bucket) || key.Length == 0 || key.Split('/').Any(part => part.Length == 0 || part == "." || part == ".." || part.Contains('\\')))
        {
            return null;
        }

        return Path.Combine(Root, bucket, key);
    }

    private static bool IsSafeName(string bucket) =>
        bucket.Length is >= 3 and <= 63 && bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.') && !bucket.Contains("..", StringComparison.Ordinal);
}
