namespace OpenIvs.Server.Storage;

/// <summary>
/// The right to deliver one sink's events (<see cref="IEventOutbox.ClaimAsync"/>): at most one holder at a time
/// across every process sharing the outbox. Dispose to let another take it.
/// </summary>
public interface IOutboxClaim : IAsyncDisposable
{
    /// <summary>Cancelled when the claim was lost (its database connection broke): stop delivering.</summary>
    CancellationToken Lost { get; }

    /// <summary>
    /// Moves the sink's cursor to <paramref name="position"/> as the claim's holder. The relay calls it after every
    /// delivery and before the next, so a holder killed at any moment re-delivers at most the one delivery whose
    /// answer arrived just before the kill. Durable against a crash of this process (not necessarily against a
    /// power loss of the database's host: that re-delivers, never loses). Throws when the claim is lost.
    /// </summary>
    Task StoreCursorAsync(long position, CancellationToken cancellationToken);
}
