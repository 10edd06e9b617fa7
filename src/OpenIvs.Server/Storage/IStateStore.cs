namespace OpenIvs.Server.Storage;

/// <summary>
/// Durable state of the service. The server keeps its working set in memory and writes through to
/// this store; a write is acknowledged to the API caller only after <see cref="CommitAsync"/> returns,
/// so an acknowledged write survives the process being killed. SQLite implements it for one process, PostgreSQL
/// (<see cref="ISharedStateStore"/>) for several nodes sharing one database.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Opens the store and applies pending schema migrations.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Every stored document, or those of the given kinds, in no particular order.</summary>
    IAsyncEnumerable<StoredDocument> LoadAsync(IReadOnlyCollection<string>? kinds, CancellationToken cancellationToken);

    /// <summary>
    /// A value that changes when another process (for example <c>openivs admin</c>) commits to the store,
    /// so the server knows to reload what that process may write.
    /// </summary>
    Task<long> GetExternalChangeStampAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies all changes and appends <paramref name="events"/> to the outbox atomically (one transaction) and
    /// durably. An event whose id is already in the outbox is not appended again. <paramref name="committed"/> runs
    /// once the transaction is durable and before the outbox's readers are woken: the caller makes the changes
    /// visible in memory there, so a reader woken by an event finds the state the event describes.
    /// </summary>
    Task CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken);

    /// <summary>The event outbox, read by the delivery sinks (valid after <see cref="InitializeAsync"/>).</summary>
    IEventOutbox Outbox { get; }

    /// <summary>Reads a service setting (for example the pagination-token key).</summary>
    Task<string?> GetSettingAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a service setting if none is stored yet; returns the stored value.</summary>
    Task<string> GetOrAddSettingAsync(string key, string value, CancellationToken cancellationToken);
}

/// <summary>A stored document: a resource of some kind with its creation sequence and JSON body.</summary>
public sealed record StoredDocument(string Kind, string Id, long Sequence, string Body);

/// <summary>Insert/replace (<see cref="Body"/> set) or delete (<see cref="Body"/> null) of one document.</summary>
public sealed record DocumentChange(string Kind, string Id, long Sequence, string? Body);
