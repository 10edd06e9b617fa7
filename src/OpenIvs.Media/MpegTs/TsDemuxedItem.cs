using OpenIvs.Media.Frames;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// One output of <see cref="TsDemuxer"/>: a new video or audio configuration (read from in-band SPS/PPS or an ADTS
/// header), or a frame. Exactly one member is set. A frame carries one reference the reader must release.
/// </summary>
public readonly record struct TsDemuxedItem(VideoTrackInfo? VideoConfig, AudioTrackInfo? AudioConfig, MediaFrame? Frame);
