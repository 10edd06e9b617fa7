using OpenIvs.Tests.Shared;
using System.Text.Json.Nodes;
using Npgsql;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Postgres;
using OpenIvs.Server.Tests.Events;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Storage;

/// <summary>
/// Two store instances on one PostgreSQL database, as two nodes: each sees the other's commits, rules hold across
/// both, a lost notification connection reconciles, and a sink is delivered by one node at a time.
/// </summary>
public class PostgresNodesTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ACommitOnOneNodeReachesTheOthersMemory()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);
        await using var b = await NodeAsync(database);

        await using (var write = await a.Documents.BeginWriteAsync(default))
        {
            write.Put(a.Notes, "x", new Note("from a"));
            write.AppendEvent(OutboxTests.Event("Session Created", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234").ToOutbox());
            await write.CommitAsync(default);
        }

        await Eventually.TrueAsync(() => b.Notes.TryGet("x", out var note) && note.Text == "from a", "b sees a's note", Within);
        await Eventually.TrueAsync(() => b.Store.Outbox.LastPosition == a.Store.Outbox.LastPosition, "b's outbox sees a's event", Within);

        await using (var write = await b.Documents.BeginWriteAsync(default))
        {
            write.Delete(b.Notes, "x");
            write.Put(b.Notes, "y", new Note("from b"));
            await write.CommitAsync(default);
        }

        await Eventually.TrueAsync(() => !a.Notes.TryGet("x", out _) && a.Notes.TryGet("y", out _), "a sees b's delete and put", Within);
        Assert.Equal(a.Documents.Version, b.Documents.Version);
    }

    [Fact]
    public async Task AReaderTheOutboxWakesFindsTheStateItsEventDescribesOnEveryNode()
    {
        // A webhook's receiver calls the API back on being told of an event; a test waits for an event, then reads.
        // Either must find the state the event's commit made, on the writing node and on the others alike.
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);
        await using var b = await NodeAsync(database);
        for (var round = 0; round < 20; round++)
        {
            var id = $"n{round}";
            var seenOnA = a.Store.Outbox.LastPosition;
            var seenOnB = b.Store.Outbox.LastPosition;
            var foundOnA = a.Store.Outbox.WaitAsync(seenOnA, default).ContinueWith(t => a.Notes.TryGet(id, out _), TaskContinuationOptions.ExecuteSynchronously);
            var foundOnB = b.Store.Outbox.WaitAsync(seenOnB, default).ContinueWith(t => b.Notes.TryGet(id, out _), TaskContinuationOptions.ExecuteSynchronously);
            await using (var write = await a.Documents.BeginWriteAsync(default))
            {
                write.Put(a.Notes, id, new Note("described by the event"));
                write.AppendEvent(OutboxTests.Event("Session Created", "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234").ToOutbox());
                await write.CommitAsync(default);
            }

            Assert.True(await foundOnA.WaitAsync(Within), $"round {round}: the writing node's outbox woke a reader before its memory held the commit");
            Assert.True(await foundOnB.WaitAsync(Within), $"round {round}: another node's outbox woke a reader before its memory held the commit");
        }
    }

    [Fact]
    public async Task ConcurrentWritesOnTwoNodesCheckTheirRuleAgainstEveryCommit()
    {
        // The rule "at most 10 notes", checked in memory as the service checks its quotas.
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);
        await using var b = await NodeAsync(database);
        var accepted = 0;

        async Task CreateAsync(Node node, int i)
        {
            await using var write = await node.Documents.BeginWriteAsync(default);
            if (node.Notes.Count >= 10)
            {
                return;
            }

            write.Put(node.Notes, $"n{i}", new Note($"{i}"));
            await write.CommitAsync(default);
            Interlocked.Increment(ref accepted);
        }

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => CreateAsync(i % 2 == 0 ? a : b, i))));

        Assert.Equal(10, accepted);
        await using var check = await NodeAsync(database);
        Assert.Equal(10, check.Notes.Count);
        var sequences = check.Notes.Ordered.ToArray().Select(e => e.Sequence).ToList();
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task ANodeWhoseNotificationConnectionDroppedReconcilesWhenItIsBack()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);

        // No periodic comparison: only the reconnection can bring the missed change.
        await using var b = await NodeAsync(database, TimeSpan.FromHours(1));
        var listener = ((PostgresStateStore)b.Store).ListenConnection!.ProcessID;

        await TerminateAsync(database, listener);
        await using (var write = await a.Documents.BeginWriteAsync(default))
        {
            write.Put(a.Notes, "missed", new Note("while b was away"));
            await write.CommitAsync(default);
        }

        await Eventually.TrueAsync(() => b.Notes.TryGet("missed", out _), "b reconciles after reconnecting", Within);
        Assert.NotEqual(listener, ((PostgresStateStore)b.Store).ListenConnection?.ProcessID);
    }

    [Fact]
    public async Task TheFeedCarriesDeletesUntilTheirTombstonesArePrunedThenTheWholeState()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);
        var store = (PostgresStateStore)a.Store;
        await using (var write = await a.Documents.BeginWriteAsync(default))
        {
            write.Put(a.Notes, "x", new Note("x"));
            write.Put(a.Notes, "y", new Note("y"));
            await write.CommitAsync(default);
        }

        var before = a.Documents.Version;
        await using (var write = await a.Documents.BeginWriteAsync(default))
        {
            write.Delete(a.Notes, "x");
            await write.CommitAsync(default);
        }

        var feed = await store.ReadChangesAsync(before, default);
        Assert.False(feed.Complete);
        Assert.Equal(("x", null), feed.Documents.Select(d => (d.Id, d.Body)).Single());
        Assert.Empty((await store.ReadChangesAsync(a.Documents.Version, default)).Documents);

        Assert.Equal(1, await store.PruneTombstonesAsync(DateTimeOffset.UtcNow.AddMinutes(1), default));
        var whole = await store.ReadChangesAsync(before, default);
        Assert.True(whole.Complete);
        Assert.Equal(["y"], whole.Documents.Where(d => d.Kind == "note").Select(d => d.Id));
        Assert.Equal(a.Documents.Version, whole.Version);
    }

    [Fact]
    public async Task ASinkIsClaimedByOneNodeAtATimeAndPassesOnWhenItsHolderDies()
    {
        var database = await PostgresCluster.CreateDatabaseAsync();
        await using var a = await NodeAsync(database);
        await using var b = await NodeAsync(database);

        var first = await a.Store.Outbox.ClaimAsync("webhook:x", default);
        var other = await b.Store.Outbox.ClaimAsync("webhook:other", default); // another sink is free
        await other.DisposeAsync();
        var second = b.Store.Outbox.ClaimAsync("webhook:x", default);
        await Task.Delay(500);
        Assert.False(second.IsCompleted);

        // The holder's connection dies (a node killed, a network cut): the claim is lost there and taken here.
        await TerminateAsync(database, await ClaimBackendAsync(database, "webhook:x"));
        await Eventually.TrueAsync(() => first.Lost.IsCancellationRequested, "the old holder learns it lost the claim", Within);
        await using var taken = await second.WaitAsync(Within);
        await first.DisposeAsync();
        Assert.False(taken.Lost.IsCancellationRequested);
    }

    /// <summary>The server process holding <paramref name="sink"/>'s claim (the lock's second key is the name's hash, as unsigned).</summary>
    private static async Task<int> ClaimBackendAsync(string database, string sink)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = {0x4F495653} " +
            "AND objid = (hashtext($1)::bigint & 4294967295)::oid AND granted", connection);
        command.Parameters.Add(new() { Value = sink });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static async Task TerminateAsync(string database, int processId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend($1)", connection);
        command.Parameters.Add(new() { Value = processId });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<Node> NodeAsync(string database, TimeSpan? reconcile = null)
    {
        var store = new PostgresStateStore(database) { ReconcileInterval = reconcile ?? TimeSpan.FromSeconds(5) };
        await store.InitializeAsync(default);
        var documents = new DocumentStore(store);
        var notes = new DocumentTable<Note>("note", OutboxTestJson.Default.Note);
        await documents.LoadAsync([notes], default);
        return new Node(store, documents, notes);
    }

    private sealed record Node(IStateStore Store, DocumentStore Documents, DocumentTable<Note> Notes) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }
}
