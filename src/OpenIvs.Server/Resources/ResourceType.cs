namespace OpenIvs.Server.Resources;

/// <summary>The resource types of IVS, as they appear in ARNs.</summary>
public static class ResourceType
{
    public const string Channel = "channel";
    public const string StreamKey = "stream-key";
    public const string PlaybackKey = "playback-key";
    public const string RecordingConfiguration = "recording-configuration";
    public const string PlaybackRestrictionPolicy = "playback-restriction-policy";
    public const string AdConfiguration = "ad-configuration";
}
