using System.Buffers;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Flv;

/// <summary>One track's packet inside an Enhanced RTMP multitrack video message (<see cref="FlvMultitrackVideo"/>).</summary>
/// <param name="TrackId">The track (0 is the main track; OBS sends its highest rendition there).</param>
/// <param name="FourCc">The track's codec.</param>
/// <param name="PacketType">What the body is (sequence start, coded frames, ...); never multitrack again.</param>
/// <param name="CompositionTimeOffset">The SI24 offset of AVC and HEVC coded frames, otherwise 0.</param>
/// <param name="Body">The configuration record or the frame's NAL units, after the offset.</param>
public readonly record struct FlvVideoTrackPacket(byte TrackId, uint FourCc, FlvVideoPacketType PacketType, int CompositionTimeOffset, ReadOnlySequence<byte> Body)
{
    /// <summary>The codec, or <c>null</c> when it is not one this library ingests.</summary>
    public VideoCodec? Codec => FourCc switch
    {
        FlvFourCc.Avc1 => VideoCodec.Avc,
        FlvFourCc.Hvc1 => VideoCodec.Hevc,
        FlvFourCc.Av01 => VideoCodec.Av1,
        _ => null,
    };
}
