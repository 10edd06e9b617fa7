using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Records an event on its stream session and in the outbox in one durable write (the hub does the same for
/// stream events). Temporary: replaced by the hub's own Raise once it has one.
/// </summary>
internal sealed class SessionRecordingEvents(DocumentStore store, StreamTables tables) : IRecordingEvents
{
    public async Task RaiseAsync(LiveStream stream, IvsEvent e, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.Sessions.TryGet(stream.StreamId, out var current))
        {
            var events = new List<Protocol.Model.StreamEvent>(current.Events) { new() { Name = e.Name, Type = e.DetailType, EventTime = e.Time, Code = e.Code } };
            if (events.Count > 500)
            {
                events.RemoveRange(0, events.Count - 500);
            }

            write.Put(tables.Sessions, current.StreamId, new StreamSessionRecord
            {
                StreamId = current.StreamId,
                ChannelArn = current.ChannelArn,
                StartTime = current.StartTime,
                EndTime = current.EndTime,
                Channel = current.Channel,
                RecordingConfiguration = current.RecordingConfiguration,
                IngestConfigurations = current.IngestConfigurations,
                Events = events,
            });
        }

        write.Put(tables.Outbox, e.Id, new OutboxEventRecord { EventId = e.Id, DetailType = e.DetailType, Time = e.Time, Json = e.ToJson().ToJsonString() });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
