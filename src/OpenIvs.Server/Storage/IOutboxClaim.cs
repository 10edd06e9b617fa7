namespace OpenIvs.Server.Storage;

/// <summary>
/// The right to deliver one sink's events (<see cref="IEventOutbox.ClaimAsync"/>): at most one holder at a time
/// across every process sharing the outbox. Dispose to let another take it.
/// </summary>
public interface IOutboxClaim : IAsyncDisposable
{
    /// <summary>Cancelled when the claim was lost (its database connection broke): stop delivering.</summary>
    CancellationToken Lost { get; }
}
