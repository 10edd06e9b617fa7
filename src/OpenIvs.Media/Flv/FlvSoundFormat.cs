namespace OpenIvs.Media.Flv;

/// <summary>FLV SoundFormat values (the high nibble of an audio tag's first byte).</summary>
public enum FlvSoundFormat : byte
{
    LinearPcmPlatformEndian = 0,
    AdPcm = 1,
    Mp3 = 2,
    LinearPcmLittleEndian = 3,
    Nellymoser16KhzMono = 4,
    Nellymoser8KhzMono = 5,
    Nellymoser = 6,
    G711ALaw = 7,
    G711MuLaw = 8,

    /// <summary>Enhanced RTMP audio: a FourCC follows.</summary>
    ExHeader = 9,

    Aac = 10,
    Speex = 11,
    Mp3At8Khz = 14,
    DeviceSpecific = 15,
}
