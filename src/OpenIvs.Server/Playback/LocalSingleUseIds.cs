using System.Collections.Concurrent;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Spent single-use ids in this process's memory: the store of one node (SQLite), and a cluster node's memory of the
/// ids it has seen spent. Lost at a restart: on one node a token whose session started before a restart can start
/// one more after it, while the token is valid (at most 10 minutes and the clock skew).
/// </summary>
internal sealed class LocalSingleUseIds(TimeProvider time) : ISingleUseIds
{
    private readonly ConcurrentDictionary<(string KeyId, string Id), DateTimeOffset> _spent = new();

    public bool IsKnownSpent(string keyId, string id) => _spent.ContainsKey((keyId, id));

    public ValueTask<SingleUseSpend> SpendAsync(string keyId, string id, DateTimeOffset keepUntil, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Remember(keyId, id, keepUntil) ? SingleUseSpend.Spent : SingleUseSpend.AlreadySpent);

    /// <summary>Notes the id as spent; false if it already was.</summary>
    public bool Remember(string keyId, string id, DateTimeOffset keepUntil) => _spent.TryAdd((keyId, id), keepUntil);

    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, keepUntil) in _spent)
        {
            if (keepUntil < now)
            {
                _spent.TryRemove(key, out _);
            }
        }
    }
}
