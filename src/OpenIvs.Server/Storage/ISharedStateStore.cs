using System.Threading.Channels;

namespace OpenIvs.Server.Storage;

/// <summary>
/// A store that several processes (nodes) write at once, such as PostgreSQL. Each node keeps the state in memory
/// (<see cref="DocumentStore"/>) and follows the others' commits through a change feed: every commit gets the next
/// version, and <see cref="ReadChangesAsync"/> returns what changed after a version. A write holds the store's
/// write lock from <see cref="BeginWriteAsync"/> to its commit, and starts from the changes others committed
/// before it, so every rule the service checks in memory (quotas, uniqueness, references, conditional updates)
/// is checked against the latest committed state of the whole cluster.
/// </summary>
public interface ISharedStateStore : IStateStore
{
    /// <summary>
    /// Signals that other nodes may have committed: on their notifications, after the notification connection
    /// was lost and came back (a notification may have been missed), and periodically. Completes when disposed.
    /// </summary>
    ChannelReader<bool> ChangeSignals { get; }

    /// <summary>The newest version this store knows was committed (by this process or, as notified, by others).</summary>
    long KnownVersion { get; }

    /// <summary>The changes committed after <paramref name="afterVersion"/>, or the whole state when they are no longer all kept.</summary>
    Task<StateChanges> ReadChangesAsync(long afterVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the write lock (waits for a writer on another node to commit) and reads the changes committed after
    /// <paramref name="afterVersion"/>. Disposing the write without committing releases the lock.
    /// </summary>
    Task<ISharedWrite> BeginWriteAsync(long afterVersion, CancellationToken cancellationToken);

    /// <summary>
    /// This node's cache now holds every commit up to <paramref name="version"/>: tells the writers waiting for it, and
    /// wakes the outbox's readers for the events of those commits (held until now, so that they find the state here).
    /// </summary>
    void Applied(long version);
}
