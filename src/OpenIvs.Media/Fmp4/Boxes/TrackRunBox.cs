namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>trun</c> version 1 (ISO/IEC 14496-12 §8.8.8): per-sample duration, size, flags and (video only) signed
/// composition offsets, with a data offset from the start of <c>moof</c>.
/// </summary>
internal static class TrackRunBox
{
    public const uint DataOffsetPresent = 0x000001;
    public const uint SampleDurationPresent = 0x000100;
    public const uint SampleSizePresent = 0x000200;
    public const uint SampleFlagsPresent = 0x000400;
    public const uint SampleCompositionTimeOffsetsPresent = 0x000800;

    public static int GetSize(int sampleCount, bool compositionOffsets) =>
        12 + 4 + 4 + sampleCount * (compositionOffsets ? 16 : 12);

    public static void Write(ref BoxWriter writer, ReadOnlySpan<Fmp4Sample> samples, bool compositionOffsets, int dataOffset)
    {
        var flags = DataOffsetPresent | SampleDurationPresent | SampleSizePresent | SampleFlagsPresent;
        if (compositionOffsets)
        {
            flags |= SampleCompositionTimeOffsetsPresent;
        }

        var box = writer.BeginFullBox("trun"u8, 1, flags);
        writer.WriteUInt32((uint)samples.Length);
        writer.WriteInt32(dataOffset);
        foreach (ref readonly var sample in samples)
        {
            writer.WriteUInt32(sample.Duration);
            writer.WriteUInt32((uint)sample.Data.Length);
            writer.WriteUInt32(sample.IsSync ? Fmp4SampleFlags.Sync : Fmp4SampleFlags.NonSync);
            if (compositionOffsets)
            {
                writer.WriteInt32(sample.CompositionOffset);
            }
        }

        writer.EndBox(box);
    }
}
