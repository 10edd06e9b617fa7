namespace OpenIvs.Server.Storage;

/// <summary>
/// The service's state: in-memory <see cref="DocumentTable{T}"/>s written through to an
/// <see cref="IStateStore"/>. One writer at a time (<see cref="BeginWriteAsync"/>): it checks its rules
/// against the current state, commits durably, then updates memory, so readers never see a write
/// that is not on disk. With a store shared by several nodes (<see cref="ISharedStateStore"/>) the write lock is
/// the store's own (held in the database), each write first applies what other nodes committed, and the tables
/// follow the other nodes' commits as they are signalled.
/// </summary>
public sealed class DocumentStore(IStateStore durable)
{
    /// <summary>Kind (and id) of the stored high-water mark of creation sequences; no table loads it.</summary>
    internal const string SequenceMarkKind = "sequence-high-water";

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ISharedStateStore? _shared = durable as ISharedStateStore;
    private Dictionary<string, IDocumentTable> _tables = new(StringComparer.Ordinal);
    private long _sequence;
    private long _version;

    public IStateStore Durable => durable;

    /// <summary>The version of the shared store's state these tables hold (0 for a store of one process).</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Opens the durable store and loads every document into its table.</summary>
    public async Task LoadAsync(IEnumerable<IDocumentTable> tables, CancellationToken cancellationToken)
    {
        _tables = tables.ToDictionary(t => t.Kind, StringComparer.Ordinal);
        if (_shared is not null)
        {
            Apply(await _shared.ReadChangesAsync(0, cancellationToken).ConfigureAwait(false));
            _ = Task.Run(FollowAsync, CancellationToken.None);
            return;
        }

        await foreach (var document in durable.LoadAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (_tables.TryGetValue(document.Kind, out var table))
            {
                table.Load(document);
            }

            _sequence = Math.Max(_sequence, document.Sequence);
        }
    }

    /// <summary>
    /// Replaces the contents of <paramref name="tables"/> with what the durable store holds now (after
    /// another process wrote to them). Takes the write lock so no local write interleaves.
    /// </summary>
    public async Task ReloadAsync(IReadOnlyList<IDocumentTable> tables, CancellationToken cancellationToken)
    {
        var byKind = tables.ToDictionary(t => t.Kind, StringComparer.Ordinal);
        var documents = new Dictionary<string, List<StoredDocument>>(StringComparer.Ordinal);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_shared is not null)
            {
                // The change feed keeps every table current; bring them up to the latest version.
                Apply(await _shared.ReadChangesAsync(_version, cancellationToken).ConfigureAwait(false));
                return;
            }

            await foreach (var document in durable.LoadAsync(byKind.Keys, cancellationToken).ConfigureAwait(false))
            {
                (documents.TryGetValue(document.Kind, out var list) ? list : documents[document.Kind] = []).Add(document);
                _sequence = Math.Max(_sequence, document.Sequence);
            }

            foreach (var (kind, table) in byKind)
            {
                table.ReplaceAll(documents.TryGetValue(kind, out var list) ? list : []);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Takes the write lock (the store's too when it is shared); dispose the returned write to release it.</summary>
    public async Task<DocumentWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_shared is null)
        {
            return new DocumentWrite(this, null);
        }

        try
        {
            var shared = await _shared.BeginWriteAsync(_version, cancellationToken).ConfigureAwait(false);
            Apply(shared.Changes);
            return new DocumentWrite(this, shared);
        }
        catch
        {
            _writeLock.Release();
            throw;
        }
    }

    internal long NextSequence() => ++_sequence;

    internal Task CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken) =>
        durable.CommitAsync(changes, events, committed, cancellationToken);

    /// <summary>Records the version a shared write committed (its changes are applied by the write).</summary>
    internal void Committed(long version) => Volatile.Write(ref _version, Math.Max(_version, version));

    internal void Release() => _writeLock.Release();

    /// <summary>Applies other nodes' changes; called under the write lock.</summary>
    private void Apply(StateChanges changes)
    {
        if (changes.Version <= _version && !changes.Complete)
        {
            return;
        }

        foreach (var change in changes.Documents)
        {
            _sequence = Math.Max(_sequence, change.Sequence);
        }

        if (changes.Complete)
        {
            var byKind = changes.Documents
                .Where(d => d.Body is not null)
                .GroupBy(d => d.Kind, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(d => new StoredDocument(d.Kind, d.Id, d.Sequence, d.Body!)).ToList(), StringComparer.Ordinal);
            foreach (var (kind, table) in _tables)
            {
                table.ReplaceAll(byKind.TryGetValue(kind, out var list) ? list : []);
            }
        }
        else
        {
            foreach (var change in changes.Documents)
            {
                if (!_tables.TryGetValue(change.Kind, out var table))
                {
                    continue;
                }

                if (change.Body is null)
                {
                    table.Remove(change.Id);
                }
                else
                {
                    table.Load(new StoredDocument(change.Kind, change.Id, change.Sequence, change.Body));
                }
            }
        }

        Volatile.Write(ref _version, changes.Version);
        _shared?.Applied(changes.Version);
    }

    /// <summary>Follows other nodes' commits: on each signal, applies what changed since the tables' version.</summary>
    private async Task FollowAsync()
    {
        await foreach (var _ in _shared!.ChangeSignals.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    // The notification of this process's own commit (or of one a write already caught up with).
                    if (_version >= _shared.KnownVersion)
                    {
                        continue;
                    }

                    Apply(await _shared.ReadChangesAsync(_version, CancellationToken.None).ConfigureAwait(false));
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store logs its connection problems and signals again once it is back: the next signal retries.
            }
        }
    }
}

/// <summary>A batch of document changes made under the write lock, committed atomically.</summary>
public sealed class DocumentWrite : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private readonly ISharedWrite? _shared;
    private readonly List<(DocumentChange Change, Action Apply)> _changes = [];
    private readonly Dictionary<(string Kind, string Id), long> _newSequences = [];
    private readonly List<EventAppend> _events = [];
    private bool _released;
    private bool _committed;

    internal DocumentWrite(DocumentStore store, ISharedWrite? shared)
    {
        _store = store;
        _shared = shared;
    }

    /// <summary>The shared store's transaction holding the write lock (null for a store of one process).</summary>
    public ISharedWrite? Shared => _shared;

    /// <summary>Inserts or replaces a document; a new document gets the next creation sequence.</summary>
    public void Put<T>(DocumentTable<T> table, string id, T value)
        where T : class
    {
        long sequence;
        if (table.TryGetEntry(id, out var existing))
        {
            sequence = existing.Sequence;
        }
        else if (!_newSequences.TryGetValue((table.Kind, id), out sequence))
        {
            sequence = _store.NextSequence();
            _newSequences[(table.Kind, id)] = sequence;
        }

        _changes.Add((new DocumentChange(table.Kind, id, sequence, table.Serialize(value)), () => table.Apply(id, sequence, value)));
    }

    public void Delete<T>(DocumentTable<T> table, string id)
        where T : class
    {
        var sequence = table.TryGetEntry(id, out var existing) ? existing.Sequence : 0;
        _changes.Add((new DocumentChange(table.Kind, id, sequence, null), () => table.Apply(id, sequence, null)));
    }

    /// <summary>
    /// Appends an event to the durable outbox with this write's changes: the event is committed if and only if
    /// they are, so it is never lost and never describes a change that did not happen.
    /// </summary>
    public void AppendEvent(EventAppend e) => _events.Add(e);

    /// <summary>Commits durably, then makes the changes visible in memory.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var changes = _changes.ConvertAll(c => c.Change);
        if (_newSequences.Count > 0)
        {
            // Creation sequences must never be reused: nextTokens carry them and stay valid across restarts.
            // Loading takes the highest stored sequence, which after deleting the newest documents would be too
            // low, so a high-water mark is stored with every write that allocates sequences (deleted and inserted
            // again, so that it takes the new sequence) in the same transaction.
            changes.Add(new DocumentChange(DocumentStore.SequenceMarkKind, DocumentStore.SequenceMarkKind, 0, null));
            changes.Add(new DocumentChange(DocumentStore.SequenceMarkKind, DocumentStore.SequenceMarkKind, _newSequences.Values.Max(), "{}"));
        }

        // Memory is updated once the commit is durable, and before the outbox wakes its readers: whoever an event
        // wakes (a webhook's receiver calling back, a test waiting for it) reads the state the event describes.
        void Apply()
        {
            foreach (var (_, apply) in _changes)
            {
                apply();
            }
        }

        if (_shared is null)
        {
            await _store.CommitAsync(changes, _events, Apply, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _store.Committed(await _shared.CommitAsync(changes, _events, Apply, cancellationToken).ConfigureAwait(false));
            _committed = true;
        }

        _changes.Clear();
        _newSequences.Clear();
        _events.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_released)
        {
            _released = true;
            try
            {
                if (_shared is not null)
                {
                    await _shared.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _store.Release();
            }

            // Outside the lock: another node's writer may be waiting for this node to apply its commit meanwhile.
            if (_committed)
            {
                await _shared!.WaitVisibleAsync().ConfigureAwait(false);
            }
        }
    }
}
