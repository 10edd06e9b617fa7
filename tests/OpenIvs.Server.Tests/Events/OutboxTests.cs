using System.Data.Common;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Events;

/// <summary>
/// The durable outbox and documents on a real store (<see cref="SqliteOutboxTests"/>, <see cref="PostgresOutboxTests"/>):
/// appends, reads, cursors, parking, pruning, restarts. Every store runs the same tests.
/// </summary>
public abstract class OutboxTests
{
    private const string Channel = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234";
    private const string OtherChannel = "arn:aws:ivs:us-west-2:000000000000:channel/efghEFGH5678";

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store's location (a file path, a connection string).</summary>
    protected abstract Task<string> NewLocationAsync();

    /// <summary>Opens (and migrates) the store at <paramref name="location"/>.</summary>
    protected abstract Task<IStateStore> OpenAsync(string location);

    /// <summary>Makes the database refuse a document with id <paramref name="id"/> (a trigger), so a commit fails.</summary>
    protected abstract Task RefuseDocumentAsync(string location, string id);

    [Fact]
    public async Task DocumentsSequencesAndSettingsSurviveAReopen()
    {
        var location = await NewLocationAsync();
        await using (var store = await OpenAsync(location))
        {
            var documents = new DocumentStore(store);
            var table = NoteTable();
            await documents.LoadAsync([table], default);
            await using (var write = await documents.BeginWriteAsync(default))
            {
                write.Put(table, "a", new Note("a"));
                write.Put(table, "b", new Note("b"));
                write.Put(table, "c", new Note("c"));
                await write.CommitAsync(default);
            }

            await using (var write = await documents.BeginWriteAsync(default))
            {
                write.Put(table, "a", new Note("a2"));
                write.Delete(table, "c");
                await write.CommitAsync(default);
            }

            Assert.Equal("first", await store.GetOrAddSettingAsync("k", "first", default));
            Assert.Equal("first", await store.GetOrAddSettingAsync("k", "second", default));
        }

        await using (var store = await OpenAsync(location))
        {
            var documents = new DocumentStore(store);
            var table = NoteTable();
            await documents.LoadAsync([table], default);
            Assert.Equal([("a", "a2"), ("b", "b")], table.Ordered.ToArray().Select(e => (e.Id, e.Value.Text)));
            Assert.Equal("first", await store.GetSettingAsync("k", default));
            Assert.Null(await store.GetSettingAsync("missing", default));

            // Sequences are never reused, also after the newest document was deleted.
            await using (var write = await documents.BeginWriteAsync(default))
            {
                write.Put(table, "d", new Note("d"));
                await write.CommitAsync(default);
            }

            Assert.True(table.TryGetEntry("d", out var d));
            Assert.True(d.Sequence > 3);
        }
    }

    [Fact]
    public async Task EventsAreAppendedWithTheDocumentsThatCausedThemAndOnlyWithThem()
    {
        var path = await NewLocationAsync();
        await using var store = await OpenAsync(path);
        var documents = new DocumentStore(store);
        var table = NoteTable();
        await documents.LoadAsync([table], default);

        var first = Event("Session Created", Channel);
        await using (var write = await documents.BeginWriteAsync(default))
        {
            write.Put(table, "a", new Note("a"));
            write.AppendEvent(first.ToOutbox());
            await write.CommitAsync(default);
        }

        // A commit that fails (a trigger refuses the document) must not leave its event behind.
        await RefuseDocumentAsync(path, "boom");
        var lost = Event("Stream Start", Channel);
        await using (var write = await documents.BeginWriteAsync(default))
        {
            write.Put(table, "boom", new Note("boom"));
            write.AppendEvent(lost.ToOutbox());
            await Assert.ThrowsAnyAsync<DbException>(() => write.CommitAsync(default));
        }

        // A write never committed appends nothing either.
        await using (var write = await documents.BeginWriteAsync(default))
        {
            write.AppendEvent(Event("Stream End", Channel).ToOutbox());
        }

        var events = await store.Outbox.ReadAsync(0, 100, null, default);
        var only = Assert.Single(events);
        Assert.Equal(first.Id, only.Id);
        Assert.Equal(Channel, only.ChannelArn);
        Assert.Equal("IVS Stream State Change", only.DetailType);
        Assert.Equal(first.Time, only.Time);
        Assert.Equal(first.ToJson().ToJsonString(), only.Json);
        Assert.Equal(only.Position, store.Outbox.LastPosition);
        Assert.True(table.TryGet("a", out _));
        Assert.False(table.TryGet("boom", out _));
    }

    [Fact]
    public async Task ReadsAfterAPositionInOrderOptionallyForOneChannelAndIgnoresARepeatedId()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        var appended = new List<IvsEvent>();
        for (var i = 0; i < 10; i++)
        {
            appended.Add(Event($"e{i}", i % 2 == 0 ? Channel : OtherChannel));
        }

        appended.Add(IvsEvent.Limit("Concurrent Broadcasts", 1, 1, "active streams", "us-west-2", "000000000000", T0));
        await CommitEventsAsync(store, appended);
        await CommitEventsAsync(store, [appended[3]]);

        var all = await store.Outbox.ReadAsync(0, 100, null, default);
        Assert.Equal(appended.Select(e => e.Id), all.Select(e => e.Id));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Null(all[^1].ChannelArn);

        var page = await store.Outbox.ReadAsync(all[2].Position, 3, null, default);
        Assert.Equal(all.Skip(3).Take(3).Select(e => e.Id), page.Select(e => e.Id));

        var channel = await store.Outbox.ReadAsync(all[2].Position, 100, OtherChannel, default);
        Assert.Equal([appended[3].Id, appended[5].Id, appended[7].Id, appended[9].Id], channel.Select(e => e.Id));
        Assert.Empty(await store.Outbox.ReadAsync(all[^1].Position, 100, null, default));
    }

    [Fact]
    public async Task WaitCompletesWhenAnEventIsCommitted()
    {
        await using var store = await OpenAsync(await NewLocationAsync());
        await CommitEventsAsync(store, [Event("first", Channel)]);
        var last = store.Outbox.LastPosition;

        await store.Outbox.WaitAsync(last - 1, default); // already there: completes at once
        var waiting = store.Outbox.WaitAsync(last, default);
        Assert.False(waiting.IsCompleted); // nothing after the last position yet: it waits

        await CommitEventsAsync(store, [Event("second", Channel)]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        using var cancel = new CancellationTokenSource();
        var cancelled = store.Outbox.WaitAsync(store.Outbox.LastPosition, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }

    [Fact]
    public async Task CursorsParkedEventsAndPositionsSurviveARestartWithoutLoadingTheHistory()
    {
        var path = await NewLocationAsync();
        var events = Enumerable.Range(0, 2000).Select(i => Event($"e{i}", Channel)).ToList();
        OutboxEvent parked;
        await using (var store = await OpenAsync(path))
        {
            await CommitEventsAsync(store, events);
            var read = await store.Outbox.ReadAsync(0, 5, null, default);
            parked = read[2];
            await store.Outbox.SetCursorAsync("webhook:a", read[4].Position, default);
            await store.Outbox.SetCursorAsync("webhook:b", read[1].Position, default);
            await store.Outbox.SetCursorAsync("webhook:b", read[3].Position, default);
            await store.Outbox.ParkAsync("webhook:a", parked, "refused: HTTP 410", T0, default);
        }

        await using (var store = await OpenAsync(path))
        {
            // The document load at start sees no events: they stay in their own table until read in batches.
            await foreach (var document in store.LoadAsync(null, default))
            {
                Assert.NotEqual("event", document.Kind);
            }

            var read = await store.Outbox.ReadAsync(0, 5, null, default);
            Assert.Equal(read[4].Position, await store.Outbox.GetCursorAsync("webhook:a", default));
            Assert.Equal(read[3].Position, await store.Outbox.GetCursorAsync("webhook:b", default));
            Assert.Null(await store.Outbox.GetCursorAsync("webhook:new", default));
            var dead = Assert.Single(await store.Outbox.ReadParkedAsync(null, 10, default));
            Assert.Equal(("webhook:a", parked, "refused: HTTP 410", T0), (dead.Sink, dead.Event, dead.Reason, dead.ParkedAt));
            Assert.Empty(await store.Outbox.ReadParkedAsync("webhook:b", 10, default));
            Assert.Equal(2000, (await store.Outbox.ReadAsync(0, 5000, null, default)).Count);
            Assert.Equal(read[0].Position + 1999, store.Outbox.LastPosition);
        }
    }

    [Fact]
    public async Task PruningDeletesOnlyDeliveredEventsPastTheRetentionAndNeverReusesPositions()
    {
        var path = await NewLocationAsync();
        long last;
        await using (var store = await OpenAsync(path))
        {
            var events = Enumerable.Range(0, 6).Select(i => Event($"e{i}", Channel, T0.AddDays(i))).ToList();
            await CommitEventsAsync(store, events);
            var read = await store.Outbox.ReadAsync(0, 10, null, default);
            await store.Outbox.ParkAsync("s", read[0], "old", T0, default);
            await store.Outbox.ParkAsync("s", read[1], "new", T0.AddDays(5), default);

            // Older than day 3, but delivered only through the fourth event (day 3 itself is not older).
            var pruned = await store.Outbox.PruneAsync(read[1].Position, T0.AddDays(3), default);
            Assert.Equal(2, pruned);
            Assert.Equal(read.Skip(2).Select(e => e.Id), (await store.Outbox.ReadAsync(0, 10, null, default)).Select(e => e.Id));
            Assert.Equal("new", Assert.Single(await store.Outbox.ReadParkedAsync(null, 10, default)).Reason);

            Assert.Equal(4, await store.Outbox.PruneAsync(read[^1].Position, T0.AddDays(10), default));
            Assert.Empty(await store.Outbox.ReadAsync(0, 10, null, default));
            last = store.Outbox.LastPosition;
            Assert.Equal(read[^1].Position, last);
        }

        await using (var store = await OpenAsync(path))
        {
            Assert.Equal(last, store.Outbox.LastPosition);
            await CommitEventsAsync(store, [Event("after", Channel)]);
            Assert.Equal(last + 1, Assert.Single(await store.Outbox.ReadAsync(0, 10, null, default)).Position);
        }
    }

    internal static IvsEvent Event(string name, string channel, DateTimeOffset? time = null) =>
        IvsEvent.StreamState(name, "us-west-2", "000000000000", channel, "demo", "st-1", time ?? T0);

    internal static async Task CommitEventsAsync(IStateStore store, IReadOnlyList<IvsEvent> events)
    {
        var documents = new DocumentStore(store);
        await using var write = await documents.BeginWriteAsync(default);
        foreach (var e in events)
        {
            write.AppendEvent(e.ToOutbox());
        }

        await write.CommitAsync(default);
    }

    protected static DocumentTable<Note> NoteTable() => new("note", OutboxTestJson.Default.Note);
}

public sealed record Note(string Text);

[JsonSerializable(typeof(Note))]
internal sealed partial class OutboxTestJson : JsonSerializerContext;
