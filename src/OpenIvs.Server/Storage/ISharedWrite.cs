namespace OpenIvs.Server.Storage;

/// <summary>A write holding the shared store's write lock (<see cref="ISharedStateStore.BeginWriteAsync"/>).</summary>
public interface ISharedWrite : IAsyncDisposable
{
    /// <summary>What others committed since the writer's version, to apply before checking any rule.</summary>
    StateChanges Changes { get; }

    /// <summary>Commits the changes and events atomically and durably, releasing the lock; returns the new version.</summary>
    Task<long> CommitAsync(IReadOnlyList<DocumentChange> changes, IReadOnlyList<EventAppend> events, CancellationToken cancellationToken);

    /// <summary>
    /// After a commit, and after the write lock is released: waits until every other live node has applied the commit
    /// to its cache (bounded), so that a read on any node sees what this write acknowledged.
    /// </summary>
    Task WaitVisibleAsync();
}
