namespace OpenIvs.Server.Recording;

/// <summary>Where finished recording files go (the embedded folder store or an S3 service), and whether a bucket can be used.</summary>
public interface IRecordingDestinations
{
    /// <summary>Null when recordings can be written to <paramref name="bucket"/> (it exists and accepts writes), else why not.</summary>
    Task<string?> CheckBucketAsync(string bucket, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="file"/> as <paramref name="key"/> in <paramref name="bucket"/>, replacing any object
    /// there. The destination may take the file away (the embedded one moves it); the caller deletes it otherwise.
    /// Throws when the destination cannot be reached; the caller retries.
    /// </summary>
    Task PutAsync(string bucket, string key, string file, string contentType, CancellationToken cancellationToken);
}
