using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Recording;

/// <summary>
/// One recording's folder in the spool: its journal (what was written, to finish the recording after a crash),
/// the files being built under <c>work/</c>, and the objects waiting for the destination under <c>pending/</c>,
/// delivered strictly in the order they were queued (a segment before the playlist that lists it).
/// </summary>
/// <remarks>Thread-safe: the recorder's pump, thumbnail tasks and the uploader all use it.</remarks>
internal sealed class SpooledRecording
{
    public const string JournalName = "journal.jsonl";
    private readonly object _lock = new();
    private readonly List<PendingObject> _pending = [];
    private readonly RecordingSpool _spool;
    private readonly string _pendingDirectory;
    private FileStream? _journal;
    private PendingObject? _inFlight;
    private long _sequence;

    public SpooledRecording(RecordingSpool spool, string directory, string id, string bucket, string prefix, bool resume)
    {
        _spool = spool;
        Directory = directory;
        Id = id;
        Bucket = bucket;
        Prefix = prefix;
        _pendingDirectory = Path.Combine(directory, "pending");
        System.IO.Directory.CreateDirectory(_pendingDirectory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "work"));
        if (resume)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(_pendingDirectory).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var dash = name.IndexOf('-', StringComparison.Ordinal);
                if (dash <= 0 || !long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                {
                    File.Delete(file); // a temporary file cut short by the crash
                    continue;
                }

                var length = new FileInfo(file).Length;
                _spool.Reserve(length);
                _pending.Add(new PendingObject(sequence, name[(dash + 1)..].Replace('!', '/'), file, length));
                _sequence = Math.Max(_sequence, sequence + 1);
            }
        }
    }

    public string Id { get; }

    public string Directory { get; }

    public string Bucket { get; }

    /// <summary>The key prefix, without leading or trailing slash.</summary>
    public string Prefix { get; }

    /// <summary>The final metadata file is queued: once the queue is empty the recording is delivered.</summary>
    public bool Sealed { get; private set; }

    /// <summary>Set by the uploader after a failed attempt: when to try again.</summary>
    public DateTimeOffset RetryAt { get; set; }

    public int Failures { get; set; }

    /// <summary>Runs once everything, the final metadata file last, is at the destination (Recording End).</summary>
    public Func<Task>? Finished { get; set; }

    public bool IsDelivered
    {
        get
        {
            lock (_lock)
            {
                return Sealed && _pending.Count == 0;
            }
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Bytes of the objects waiting for the destination (files still being built are not counted).</summary>
    public long PendingBytes
    {
        get
        {
            lock (_lock)
            {
                long bytes = 0;
                foreach (var item in _pending)
                {
                    bytes += item.Length;
                }

                return bytes;
            }
        }
    }

    /// <summary>Appends one line to the journal (flushed to the OS, so it survives the process).</summary>
    public void Journal(JsonObject entry)
    {
        var line = Encoding.UTF8.GetBytes(entry.ToJsonString() + "\n");
        lock (_lock)
        {
            _journal ??= new FileStream(Path.Combine(Directory, JournalName), FileMode.Append, FileAccess.Write, FileShare.Read, 1);
            _journal.Write(line);
            _journal.Flush();
        }
    }

    public IEnumerable<JsonObject> ReadJournal()
    {
        var path = Path.Combine(Directory, JournalName);
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(path))
        {
            JsonObject? entry = null;
            try
            {
                entry = JsonNode.Parse(line) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                // The last line can be cut short by a crash: what it described is not in the recording.
            }

            if (entry is not null)
            {
                yield return entry;
            }
        }
    }

    /// <summary>A file under <c>work/</c> for building a media file.</summary>
    public string WorkFile(string name)
    {
        var path = Path.Combine(Directory, "work", name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>Queues a finished file (already counted in the spool) as <paramref name="relativeKey"/> under the prefix.</summary>
    public void EnqueueFile(string relativeKey, string path)
    {
        lock (_lock)
        {
            var item = NewItem(relativeKey, new FileInfo(path).Length);
            File.Move(path, item.File, overwrite: true);
            _pending.Add(item);
        }

        _spool.Signal();
    }

    /// <summary>
    /// Queues small contents (playlists, metadata, thumbnails). A newer version of an object still waiting
    /// replaces it, so an outage queues one playlist, not one per media file. False when the spool is full,
    /// unless <paramref name="force"/> (the few small files that finish a recording go in regardless).
    /// </summary>
    public bool EnqueueBytes(string relativeKey, ReadOnlySpan<byte> bytes, bool force = false)
    {
        if (force)
        {
            _spool.Reserve(bytes.Length);
        }
        else if (!_spool.TryReserve(bytes.Length))
        {
            return false;
        }

        lock (_lock)
        {
            var item = NewItem(relativeKey, bytes.Length);
            var temporary = item.File + ".tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                stream.Write(bytes);
            }

            File.Move(temporary, item.File);
            var older = _pending.FindIndex(p => p.Key == item.Key && p != _inFlight);
            if (older >= 0)
            {
                Drop(_pending[older]);
                _pending.RemoveAt(older);
            }

            _pending.Add(item);
        }

        _spool.Signal();
        return true;
    }

    /// <summary>Marks the recording complete: no more objects will be queued.</summary>
    public void Seal()
    {
        lock (_lock)
        {
            Sealed = true;
            _journal?.Dispose();
            _journal = null;
        }

        _spool.Signal();
    }

    /// <summary>The next object to deliver (the uploader's only).</summary>
    public PendingObject? Next()
    {
        lock (_lock)
        {
            _inFlight = _pending.Count > 0 ? _pending[0] : null;
            return _inFlight;
        }
    }

    /// <summary>The object was stored at the destination.</summary>
    public void Delivered(PendingObject item)
    {
        lock (_lock)
        {
            _pending.Remove(item);
            _inFlight = null;
            Drop(item);
        }
    }

    /// <summary>Removes the folder once everything is delivered.</summary>
    public void Delete()
    {
        lock (_lock)
        {
            _journal?.Dispose();
            _journal = null;
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Releases a journal held open (shutdown) without sealing.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _journal?.Dispose();
            _journal = null;
        }
    }

    private PendingObject NewItem(string relativeKey, long length)
    {
        var sequence = _sequence++;
        var key = Prefix + "/" + relativeKey;
        var file = Path.Combine(_pendingDirectory, sequence.ToString("D10", CultureInfo.InvariantCulture) + "-" + key.Replace('/', '!'));
        return new PendingObject(sequence, key, file, length);
    }

    private void Drop(PendingObject item)
    {
        try
        {
            File.Delete(item.File);
        }
        catch (IOException)
        {
        }

        _spool.Free(item.Length);
    }
}

/// <summary>An object waiting in the spool for the destination.</summary>
internal sealed record PendingObject(long Sequence, string Key, string File, long Length);
