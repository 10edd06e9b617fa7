namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>trex</c> (ISO/IEC 14496-12 §8.8.3): per-track fragment defaults. All defaults are zero because every
/// <c>trun</c> states duration, size and flags per sample.
/// </summary>
internal static class TrackExtendsBox
{
    public const int Size = 32;

    public static void Write(ref BoxWriter writer, uint trackId)
    {
        var box = writer.BeginFullBox("trex"u8, 0, 0);
        writer.WriteUInt32(trackId);
        writer.WriteUInt32(1); // default_sample_description_index
        writer.WriteUInt32(0); // default_sample_duration
        writer.WriteUInt32(0); // default_sample_size
        writer.WriteUInt32(0); // default_sample_flags
        writer.EndBox(box);
    }
}
