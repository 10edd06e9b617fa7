namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary><c>mdhd</c> version 0 (ISO/IEC 14496-12 §8.4.2): the track's timescale; language "und".</summary>
internal static class MediaHeaderBox
{
    public const int Size = 32;

    /// <summary>ISO-639-2/T "und" packed as three 5-bit letters (each minus 0x60).</summary>
    private const ushort Undetermined = (('u' - 0x60) << 10) | (('n' - 0x60) << 5) | ('d' - 0x60);

    public static void Write(ref BoxWriter writer, uint timescale)
    {
        var box = writer.BeginFullBox("mdhd"u8, 0, 0);
        writer.WriteUInt32(0); // creation_time
        writer.WriteUInt32(0); // modification_time
        writer.WriteUInt32(timescale);
        writer.WriteUInt32(0); // duration
        writer.WriteUInt16(Undetermined);
        writer.WriteUInt16(0); // pre_defined
        writer.EndBox(box);
    }
}
