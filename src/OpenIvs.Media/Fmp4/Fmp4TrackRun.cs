namespace OpenIvs.Media.Fmp4;

/// <summary>The samples of one track in one movie fragment (one <c>traf</c>).</summary>
/// <param name="TrackId">The track, as declared in the init segment.</param>
/// <param name="BaseMediaDecodeTime">Decode time of the first sample in the track timescale (<c>tfdt</c>).</param>
/// <param name="Samples">The samples in decode order; an empty run writes no <c>traf</c>.</param>
/// <param name="WriteCompositionOffsets">True for video (B-frames); audio omits the per-sample field.</param>
public readonly record struct Fmp4TrackRun(uint TrackId, ulong BaseMediaDecodeTime, ReadOnlyMemory<Fmp4Sample> Samples, bool WriteCompositionOffsets);
