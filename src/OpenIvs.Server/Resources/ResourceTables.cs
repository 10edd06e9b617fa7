using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Resources;

/// <summary>The in-memory tables of every IVS resource kind, keyed by resource id.</summary>
public sealed class ResourceTables
{
    public ResourceTables()
    {
        ChannelKind = new()
        {
            Table = Channels, Noun = "Channel", Plural = "channels", ShapeType = IvsJsonContext.Default.Channel,
            Shape = r => r.Channel, WithShape = (r, s) => new ChannelRecord { Channel = s, EndpointPrefix = r.EndpointPrefix, CreatedAt = r.CreatedAt },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        StreamKeyKind = new()
        {
            Table = StreamKeys, Noun = "Stream key", Plural = "stream keys", ShapeType = IvsJsonContext.Default.StreamKey,
            Shape = r => r.Key, WithShape = (_, s) => new StreamKeyRecord { Key = s },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        PlaybackKeyPairKind = new()
        {
            Table = PlaybackKeyPairs, Noun = "Playback key pair", Plural = "playback key pairs", ShapeType = IvsJsonContext.Default.PlaybackKeyPair,
            Shape = r => r.KeyPair, WithShape = (r, s) => new PlaybackKeyPairRecord { KeyPair = s, PublicKeyPem = r.PublicKeyPem },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        RecordingConfigurationKind = new()
        {
            Table = RecordingConfigurations, Noun = "Recording configuration", Plural = "recording configurations",
            ShapeType = IvsJsonContext.Default.RecordingConfiguration,
            Shape = r => r.Configuration, WithShape = (_, s) => new RecordingConfigurationRecord { Configuration = s },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        PlaybackRestrictionPolicyKind = new()
        {
            Table = PlaybackRestrictionPolicies, Noun = "Playback restriction policy", Plural = "playback restriction policies",
            ShapeType = IvsJsonContext.Default.PlaybackRestrictionPolicy,
            Shape = r => r.Policy, WithShape = (_, s) => new PlaybackRestrictionPolicyRecord { Policy = s },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        AdConfigurationKind = new()
        {
            Table = AdConfigurations, Noun = "Ad configuration", Plural = "ad configurations", ShapeType = IvsJsonContext.Default.AdConfiguration,
            Shape = r => r.Configuration, WithShape = (_, s) => new AdConfigurationRecord { Configuration = s },
            Tags = s => s.Tags, SetTags = (s, t) => s.Tags = t,
        };
        Taggable = new Dictionary<string, IResourceKind>(StringComparer.Ordinal)
        {
            [ResourceType.Channel] = ChannelKind,
            [ResourceType.StreamKey] = StreamKeyKind,
            [ResourceType.PlaybackKey] = PlaybackKeyPairKind,
            [ResourceType.RecordingConfiguration] = RecordingConfigurationKind,
            [ResourceType.PlaybackRestrictionPolicy] = PlaybackRestrictionPolicyKind,
            [ResourceType.AdConfiguration] = AdConfigurationKind,
        };
    }

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

    public ResourceKind<ChannelRecord, Channel> ChannelKind { get; }

    public ResourceKind<StreamKeyRecord, StreamKey> StreamKeyKind { get; }

    public ResourceKind<PlaybackKeyPairRecord, PlaybackKeyPair> PlaybackKeyPairKind { get; }

    public ResourceKind<RecordingConfigurationRecord, RecordingConfiguration> RecordingConfigurationKind { get; }

    public ResourceKind<PlaybackRestrictionPolicyRecord, PlaybackRestrictionPolicy> PlaybackRestrictionPolicyKind { get; }

    public ResourceKind<AdConfigurationRecord, AdConfiguration> AdConfigurationKind { get; }

    /// <summary>The taggable kinds by ARN type.</summary>
    public IReadOnlyDictionary<string, IResourceKind> Taggable { get; }

    public IEnumerable<IDocumentTable> All =>
        [Channels, StreamKeys, PlaybackKeyPairs, RecordingConfigurations, PlaybackRestrictionPolicies, AdConfigurations, ViewerRevocations];
}
