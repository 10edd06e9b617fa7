using System.Text.Json.Serialization;

namespace OpenIvs.Server.Resources.Records;

/// <summary>Source-generated serializers for stored documents.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChannelRecord))]
[JsonSerializable(typeof(StreamKeyRecord))]
[JsonSerializable(typeof(PlaybackKeyPairRecord))]
[JsonSerializable(typeof(RecordingConfigurationRecord))]
[JsonSerializable(typeof(PlaybackRestrictionPolicyRecord))]
[JsonSerializable(typeof(AdConfigurationRecord))]
[JsonSerializable(typeof(ViewerRevocationRecord))]
public sealed partial class ServerJsonContext : JsonSerializerContext;
