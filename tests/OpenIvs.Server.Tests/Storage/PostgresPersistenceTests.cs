using OpenIvs.Tests.Shared;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Storage;

/// <summary><see cref="PersistenceTests"/> with the state in PostgreSQL (a database of its own per test).</summary>
public class PostgresPersistenceTests : PersistenceTests
{
    protected override async Task<Action<Hosting.OpenIvsOptions>> StoreAsync()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        return o => o.Storage.Postgres = database;
    }
}
