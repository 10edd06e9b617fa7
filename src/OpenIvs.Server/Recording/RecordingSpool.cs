using System.Collections.Concurrent;

namespace OpenIvs.Server.Recording;

/// <summary>
/// The local spool under <c>&lt;data-dir&gt;/recordings/</c>: one folder per recording being built or still
/// uploading. Everything a recording produces is written here first and handed to the destination by
/// <see cref="RecordingUploader"/>, so a slow or absent S3 never slows packaging. The bytes held are bounded by
/// <see cref="RecordingOptions.SpoolLimit"/>.
/// </summary>
internal sealed class RecordingSpool
{
    private readonly ConcurrentDictionary<string, SpooledRecording> _recordings = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _work = new(0);
    private long _bytes;

    public RecordingSpool(string root, long limit)
    {
        Root = Path.GetFullPath(root);
        Limit = limit;
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public long Limit { get; }

    /// <summary>Bytes written to the spool and not yet delivered.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public ICollection<SpooledRecording> Recordings => _recordings.Values;

    /// <summary>Folders left by an earlier run (a crash or a restart during recording or upload).</summary>
    public IEnumerable<string> LeftOver() =>
        Directory.EnumerateDirectories(Root).Where(d => File.Exists(Path.Combine(d, SpooledRecording.JournalName))).Order(StringComparer.Ordinal);

    public SpooledRecording Create(string id, string bucket, string prefix)
    {
        var recording = new SpooledRecording(this, Path.Combine(Root, id), id, bucket, prefix, resume: false);
        _recordings[id] = recording;
        return recording;
    }

    /// <summary>Takes over a folder from an earlier run: its pending objects are queued again in order.</summary>
    public SpooledRecording Resume(string directory, string bucket, string prefix)
    {
        var id = Path.GetFileName(directory);
        var recording = new SpooledRecording(this, directory, id, bucket, prefix, resume: true);
        _recordings[id] = recording;
        Signal();
        return recording;
    }

    public void Forget(SpooledRecording recording) => _recordings.TryRemove(new KeyValuePair<string, SpooledRecording>(recording.Id, recording));

    /// <summary>Accounts for <paramref name="bytes"/> about to be written; false (nothing reserved) beyond the limit.</summary>
    public bool TryReserve(long bytes)
    {
        var after = Interlocked.Add(ref _bytes, bytes);
        if (after <= Limit || bytes <= 0)
        {
            return true;
        }

        Interlocked.Add(ref _bytes, -bytes);
        return false;
    }

    /// <summary>Accounts for bytes already on disk (taken over from an earlier run), whatever the limit.</summary>
    public void Reserve(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public void Free(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    /// <summary>Wakes the uploader: something was queued.</summary>
    public void Signal()
    {
        if (_work.CurrentCount == 0)
        {
            _work.Release();
        }
    }

    public Task<bool> WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => _work.WaitAsync(timeout, cancellationToken);
}
