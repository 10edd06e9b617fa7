using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Resources;

/// <summary>The in-memory tables of every IVS resource kind, keyed by resource id.</summary>
public sealed class ResourceTables
{
    public DocumentTable<ChannelRecord> Channels { get; } = new(ResourceType.Channel, ServerJsonContext.Default.ChannelRecord);

    /// <summary>Stream keys, also indexed by their value (what a publisher presents).</summary>
    public DocumentTable<StreamKeyRecord> StreamKeys { get; } = new(ResourceType.StreamKey, ServerJsonContext.Default.StreamKeyRecord, k => k.Key.Value);

    public DocumentTable<PlaybackKeyPairRecord> PlaybackKeyPairs { get; } = new(ResourceType.PlaybackKey, ServerJsonContext.Default.PlaybackKeyPairRecord);

    public DocumentTable<RecordingConfigurationRecord> RecordingConfigurations { get; } =
        new(ResourceType.RecordingConfiguration, ServerJsonContext.Default.RecordingConfigurationRecord);

    public DocumentTable<PlaybackRestrictionPolicyRecord> PlaybackRestrictionPolicies { get; } =
        new(ResourceType.PlaybackRestrictionPolicy, ServerJsonContext.Default.PlaybackRestrictionPolicyRecord);

    public DocumentTable<AdConfigurationRecord> AdConfigurations { get; } =
        new(ResourceType.AdConfiguration, ServerJsonContext.Default.AdConfigurationRecord);

    /// <summary>Viewer-session revocations, keyed <c>{channelId}/{viewerId}</c>.</summary>
    public DocumentTable<ViewerRevocationRecord> ViewerRevocations { get; } =
        new("viewer-revocation", ServerJsonContext.Default.ViewerRevocationRecord);

    public IEnumerable<IDocumentTable> All =>
        [Channels, StreamKeys, PlaybackKeyPairs, RecordingConfigurations, PlaybackRestrictionPolicies, AdConfigurations, ViewerRevocations];
}
