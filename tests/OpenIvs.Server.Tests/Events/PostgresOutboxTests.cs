using OpenIvs.Tests.Shared;
using Npgsql;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary>The shared store tests on PostgreSQL (a database of its own per test in the assembly's throw-away cluster).</summary>
public class PostgresOutboxTests : OutboxTests
{
    protected override Task<string> NewLocationAsync() => PostgresCluster.CreateDatabaseAsync();

    protected override async Task<IStateStore> OpenAsync(string location)
    {
        var store = new PostgresStateStore(location);
        await store.InitializeAsync(default);
        return store;
    }

    protected override async Task RefuseDocumentAsync(string location, string id)
    {
        await using var connection = new NpgsqlConnection(location);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id = '{id}' THEN RAISE EXCEPTION 'refused'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON documents FOR EACH ROW EXECUTE FUNCTION refuse();
            """, connection);
        await command.ExecuteNonQueryAsync();
    }
}
