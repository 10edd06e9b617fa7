namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>tfdt</c> version 1 (ISO/IEC 14496-12 §8.8.12): the 64-bit decode time of the fragment's first sample
/// in the track timescale, so a live stream never wraps.
/// </summary>
internal static class TrackFragmentDecodeTimeBox
{
    public const int Size = 20;

    public static void Write(ref BoxWriter writer, ulong baseMediaDecodeTime)
    {
        var box = writer.BeginFullBox("tfdt"u8, 1, 0);
        writer.WriteUInt64(baseMediaDecodeTime);
        writer.EndBox(box);
    }
}
