namespace OpenIvs.Server.Storage;

/// <summary>
/// The service's state: in-memory <see cref="DocumentTable{T}"/>s written through to an
/// <see cref="IStateStore"/>. One writer at a time (<see cref="BeginWriteAsync"/>): it checks its rules
/// against the current state, commits durably, then updates memory, so readers never see a write
/// that is not on disk.
/// </summary>
public sealed class DocumentStore(IStateStore durable)
{
    /// <summary>Kind (and id) of the stored high-water mark of creation sequences; no table loads it.</summary>
    internal const string SequenceMarkKind = "sequence-high-water";

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _sequence;

    public IStateStore Durable => durable;

    /// <summary>Opens the durable store and loads every document into its table.</summary>
    public async Task LoadAsync(IEnumerable<IDocumentTable> tables, CancellationToken cancellationToken)
    {
        var byKind = tables.ToDictionary(t => t.Kind, StringComparer.Ordinal);
        await foreach (var document in durable.LoadAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (byKind.TryGetValue(document.Kind, out var table))
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

    /// <summary>Takes the single write lock; dispose the returned write to release it.</summary>
    public async Task<DocumentWrite> BeginWriteAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new DocumentWrite(this);
    }

    internal long NextSequence() => ++_sequence;

    internal Task CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, CancellationToken cancellationToken) =>
        durable.CommitAsync(changes, events, cancellationToken);

    internal void Release() => _writeLock.Release();
}

/// <summary>A batch of document changes made under the write lock, committed atomically.</summary>
public sealed class DocumentWrite : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private readonly List<(DocumentChange Change, Action Apply)> _changes = [];
    private readonly Dictionary<(string Kind, string Id), long> _newSequences = [];
    private readonly List<EventAppend> _events = [];
    private bool _released;

    internal DocumentWrite(DocumentStore store) => _store = store;

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

        await _store.CommitAsync(changes, _events, cancellationToken).ConfigureAwait(false);
        foreach (var (_, apply) in _changes)
        {
            apply();
        }

        _changes.Clear();
        _newSequences.Clear();
        _events.Clear();
    }

    public ValueTask DisposeAsync()
    {
        if (!_released)
        {
            _released = true;
            _store.Release();
        }

        return ValueTask.CompletedTask;
    }
}
