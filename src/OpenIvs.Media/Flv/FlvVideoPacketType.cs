namespace OpenIvs.Media.Flv;

/// <summary>
/// Video packet types: Enhanced RTMP's PacketType, with the legacy AVCPacketType mapped onto the first three
/// (0 sequence header = <see cref="SequenceStart"/>, 1 NALU = <see cref="CodedFrames"/>, 2 end of sequence =
/// <see cref="SequenceEnd"/>).
/// </summary>
public enum FlvVideoPacketType : byte
{
    /// <summary>Decoder configuration record (avcC, hvcC, av1C).</summary>
    SequenceStart = 0,

    /// <summary>Coded frames with a composition time offset (only AVC/HEVC carry one in Enhanced RTMP).</summary>
    CodedFrames = 1,

    SequenceEnd = 2,

    /// <summary>Coded frames with an implied composition time offset of 0.</summary>
    CodedFramesX = 3,

    /// <summary>AMF-encoded video metadata (for example colorInfo).</summary>
    Metadata = 4,

    /// <summary>AV1 over MPEG-2 TS sequence start (unused by RTMP encoders).</summary>
    Mpeg2TsSequenceStart = 5,

    Multitrack = 6,
    ModEx = 7,
}
