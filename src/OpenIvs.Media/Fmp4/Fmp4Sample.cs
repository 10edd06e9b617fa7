namespace OpenIvs.Media.Fmp4;

/// <summary>One sample of a movie fragment.</summary>
/// <param name="Data">The sample bytes (AVCC access unit or raw AAC frame), copied into <c>mdat</c>.</param>
/// <param name="Duration">Duration in the track timescale (to the next sample's decode time).</param>
/// <param name="CompositionOffset">Presentation minus decode time in the track timescale; may be negative.</param>
/// <param name="IsSync">True for a random access point.</param>
public readonly record struct Fmp4Sample(ReadOnlyMemory<byte> Data, uint Duration, int CompositionOffset, bool IsSync);
