using System.Text.Json.Serialization;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Streams;

/// <summary>Stream sessions and the event outbox, in the same durable store as the resources.</summary>
public sealed class StreamTables
{
    public DocumentTable<StreamSessionRecord> Sessions { get; } = new("stream-session", StreamJsonContext.Default.StreamSessionRecord);

    public DocumentTable<OutboxEventRecord> Outbox { get; } = new("event", StreamJsonContext.Default.OutboxEventRecord);

    public IEnumerable<IDocumentTable> All => [Sessions, Outbox];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StreamSessionRecord))]
[JsonSerializable(typeof(OutboxEventRecord))]
internal sealed partial class StreamJsonContext : JsonSerializerContext;
