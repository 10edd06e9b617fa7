namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>tfhd</c> (ISO/IEC 14496-12 §8.8.7) with only <c>default-base-is-moof</c> (0x020000) set: data offsets
/// in <c>trun</c> are relative to the start of the enclosing <c>moof</c>, as CMAF requires (ISO/IEC 23000-19 §7.5.16).
/// </summary>
internal static class TrackFragmentHeaderBox
{
    public const int Size = 16;

    public const uint DefaultBaseIsMoof = 0x020000;

    public static void Write(ref BoxWriter writer, uint trackId)
    {
        var box = writer.BeginFullBox("tfhd"u8, 0, DefaultBaseIsMoof);
        writer.WriteUInt32(trackId);
        writer.EndBox(box);
    }
}
