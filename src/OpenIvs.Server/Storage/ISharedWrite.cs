namespace OpenIvs.Server.Storage;

/// <summary>A write holding the shared store's write lock (<see cref="ISharedStateStore.BeginWriteAsync"/>).</summary>
public interface ISharedWrite : IAsyncDisposable
{
    /// <summary>What others committed since the writer's version, to apply before checking any rule.</summary>
    StateChanges Changes { get; }

    /// <summary>
    /// Commits the changes and events atomically and durably, releasing the lock; returns the new version.
    /// <paramref name="committed"/> runs after the commit and before the outbox's readers are woken (as
    /// <see cref="IStateStore.CommitAsync"/>).
    /// </summary>
    Task<long> CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, Action committed, CancellationToken cancellationToken);

    /// <summary>
    /// After a commit, and after the write lock is released: waits until every other live node has applied the commit
    /// to its cache (bounded), so that a read on any node sees what this write acknowledged.
    /// </summary>
    Task WaitVisibleAsync();
}
