namespace OpenIvs.Server.Playback;

/// <summary>
/// Where the single-use ids of playback tokens (<c>aws:single-use-uuid</c>) are spent, by the key that signed the
/// token: <see cref="LocalSingleUseIds"/> in memory on one node, a table every node shares in a cluster
/// (<c>Cluster/ClusterSingleUseIds</c>), so a token starts one session in the whole cluster.
/// </summary>
internal interface ISingleUseIds
{
    /// <summary>Whether this node already knows the id is spent (no database asked): a refusal before any other work.</summary>
    bool IsKnownSpent(string keyId, string id);

    /// <summary>
    /// Spends the id once, as a viewer session starts; keeps it until <paramref name="keepUntil"/>, after which no node
    /// accepts the token anyway. <see cref="SingleUseSpend.Unavailable"/> when it could not be decided: refuse then.
    /// </summary>
    ValueTask<SingleUseSpend> SpendAsync(string keyId, string id, DateTimeOffset keepUntil, CancellationToken cancellationToken);

    /// <summary>Forgets ids whose tokens can no longer be used (called from the playback sweeps).</summary>
    void Sweep();
}
