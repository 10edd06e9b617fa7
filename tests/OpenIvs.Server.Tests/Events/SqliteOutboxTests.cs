using Microsoft.Data.Sqlite;
using System.Text.Json.Nodes;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary>The shared store tests on a SQLite file, and SQLite's own migration of the first schema.</summary>
public class SqliteOutboxTests : OutboxTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";

    protected override Task<string> NewLocationAsync() => Task.FromResult(Path.Combine(TestServer.TempDirectory(), "openivs.db"));

    protected override async Task<IStateStore> OpenAsync(string location)
    {
        var store = new SqliteStateStore(location);
        await store.InitializeAsync(default);
        return store;
    }

    protected override Task RefuseDocumentAsync(string location, string id) =>
        ExecuteAsync(location, $"CREATE TRIGGER refuse BEFORE INSERT ON documents WHEN NEW.id = '{id}' BEGIN SELECT RAISE(ABORT, 'refused'); END");

    [Fact]
    public async Task EventDocumentsOfTheFirstSchemaMoveIntoTheOutbox()
    {
        var path = await NewLocationAsync();
        var old = Event("Session Created", Channel);
        var oldJson = old.ToJson().ToJsonString();
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();

            // Schema version 1 as released, with one event document as LiveStreamHub wrote them.
            command.CommandText = """
                CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
                INSERT INTO schema_migrations VALUES (1, 'documents and settings', '2026-11-01T00:00:00Z');
                CREATE TABLE documents (kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id));
                CREATE INDEX documents_kind_seq ON documents (kind, seq);
                CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO documents VALUES ('channel', 'c1', 1, '{}');
                INSERT INTO documents VALUES ('event', $id, 2, $body);
                """;
            command.Parameters.AddWithValue("$id", old.Id);
            command.Parameters.AddWithValue("$body", new JsonObject
            {
                ["EventId"] = old.Id,
                ["DetailType"] = old.DetailType,
                ["Time"] = "2026-12-01T12:00:00.1234567+00:00",
                ["Json"] = oldJson,
            }.ToJsonString());
            await command.ExecuteNonQueryAsync();
        }

        await using var store = await OpenAsync(path);
        var migrated = Assert.Single(await store.Outbox.ReadAsync(0, 10, null, default));
        Assert.Equal((old.Id, Channel, old.DetailType, oldJson), (migrated.Id, migrated.ChannelArn, migrated.DetailType, migrated.Json));
        Assert.Equal(T0.AddMilliseconds(123), migrated.Time);
        var kinds = new List<string>();
        await foreach (var document in store.LoadAsync(null, default))
        {
            kinds.Add(document.Kind);
        }

        Assert.Equal(["channel"], kinds);
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
