namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Raised by <see cref="LiveSegmenter.PartCompleted"/> after a new snapshot with this part is published; and once more,
/// with <see cref="SegmentCompleted"/>, for a part closed on its last frame
/// (<see cref="LiveSegmenterOptions.ClosePartsOnLastFrame"/>) when the keyframe after it completes its segment.
/// </summary>
/// <param name="Snapshot">The snapshot that first contains the part.</param>
/// <param name="PartSequence">Stream-wide number of the part.</param>
/// <param name="MediaSequence">Media sequence number of its segment.</param>
/// <param name="PartIndex">Index of the part within the segment.</param>
/// <param name="SegmentCompleted">The part finished its segment (a new EXTINF entry exists).</param>
public readonly record struct HlsPartCompleted(HlsStreamSnapshot Snapshot, long PartSequence, long MediaSequence, int PartIndex, bool SegmentCompleted);
