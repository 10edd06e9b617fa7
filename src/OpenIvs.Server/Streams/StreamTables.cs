using System.Text.Json.Serialization;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Streams;

/// <summary>Stream sessions, in the same durable store as the resources (events go to the outbox, <see cref="Storage.IEventOutbox"/>).</summary>
public sealed class StreamTables
{
    public DocumentTable<StreamSessionRecord> Sessions { get; } = new("stream-session", StreamJsonContext.Default.StreamSessionRecord);

    public IEnumerable<IDocumentTable> All => [Sessions];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StreamSessionRecord))]
internal sealed partial class StreamJsonContext : JsonSerializerContext;
