namespace OpenIvs.Server.Recording;

/// <summary>
/// Where auto-record writes (docs/recording.md): by default the embedded destination, buckets as folders under
/// <c>&lt;data-dir&gt;/s3/</c>; with <see cref="S3Endpoint"/> or <see cref="S3"/> = <c>aws</c>, an S3 service
/// through AWSSDK.S3. Recordings are built in a local spool first, so an S3 outage never touches packaging.
/// </summary>
public sealed class RecordingOptions
{
    /// <summary>Record channels that have a recording configuration (default). Off: nothing is recorded.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>URL of an S3-compatible service (MinIO, Ceph, moto, ...); empty: the embedded destination.</summary>
    public string S3Endpoint { get; set; } = string.Empty;

    /// <summary><c>aws</c>: Amazon S3 in the service's region, with the standard AWS credential chain.</summary>
    public string S3 { get; set; } = string.Empty;

    /// <summary>Path-style bucket addressing for <see cref="S3Endpoint"/> (default); false for virtual hosts.</summary>
    public bool S3ForcePathStyle { get; set; } = true;

    /// <summary>A profile of the AWS shared credentials/config files to sign S3 requests with.</summary>
    public string S3Profile { get; set; } = string.Empty;

    /// <summary>
    /// Bytes of recordings the spool may hold while the destination is unreachable (default 2 GB). A recording
    /// that would go beyond it ends with Recording End Failure; the live stream is never affected.
    /// </summary>
    public long SpoolLimit { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Target length of a media file (IVS: about 10 s); byte-range entries are one keyframe interval each.</summary>
    public TimeSpan MediaFileTarget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Record LOW latency channels from the playback packager's segments (default) rather than muxing the stream a
    /// second time; off: every rendition is cut by the recorder, one byte-range entry per keyframe interval.
    /// </summary>
    public bool ReusePackagedSegments { get; set; } = true;

    /// <summary>The ffmpeg executable that decodes keyframes into thumbnails.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>True when recordings go to an S3 service rather than the data directory.</summary>
    public bool UsesS3Service => S3Endpoint.Length > 0 || S3 == "aws";

    public IEnumerable<string> Validate()
    {
        if (S3.Length > 0 && S3 != "aws")
        {
            yield return $"Recording.S3 '{S3}' must be empty or aws.";
        }

        if (S3Endpoint.Length > 0 && (!Uri.TryCreate(S3Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return $"Recording.S3Endpoint '{S3Endpoint}' must be an http(s) URL.";
        }

        if (SpoolLimit < 1024 * 1024)
        {
            yield return "Recording.SpoolLimit must be at least 1 MB.";
        }

        if (MediaFileTarget < TimeSpan.FromSeconds(1) || MediaFileTarget > TimeSpan.FromSeconds(60))
        {
            yield return "Recording.MediaFileTarget must be between 1 s and 60 s.";
        }
    }
}
