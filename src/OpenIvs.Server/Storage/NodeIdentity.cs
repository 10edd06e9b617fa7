namespace OpenIvs.Server.Storage;

/// <summary>
/// This process's id among the nodes that share one database (<c>--node-id</c>, docs/cluster.md), made once from
/// the options and registered once: sessions record it, the lease and live slots carry it, the PostgreSQL store
/// tells its acknowledgements apart by it, node-to-node requests are signed with it. Nothing else holds a copy.
/// It lives in Storage, the lowest room, because the store needs it before any other room exists.
/// </summary>
public sealed class NodeIdentity(string value)
{
    public string Value { get; } = value;

    public override string ToString() => Value;
}
