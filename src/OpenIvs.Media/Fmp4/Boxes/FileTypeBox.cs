namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>ftyp</c> (ISO/IEC 14496-12 §4.3) for the init segment and <c>styp</c> (§8.16.2, same layout) for
/// media segments.
/// </summary>
internal static class FileTypeBox
{
    /// <summary>
    /// ftyp: major brand <c>iso6</c> (tfdt/trun version 1 and signed composition offsets are ISO6-era
    /// features), compatible <c>iso6</c>, <c>cmfc</c> (CMAF track) and <c>mp41</c>.
    /// </summary>
    public const int InitSize = 8 + 8 + 3 * 4;

    /// <summary>styp: major <c>msdh</c>, compatible <c>msdh</c>, <c>msix</c> (§8.16.2 media segment brands).</summary>
    public const int SegmentTypeSize = 8 + 8 + 2 * 4;

    public static void WriteFileType(ref BoxWriter writer)
    {
        var box = writer.BeginBox("ftyp"u8);
        writer.WriteBytes("iso6"u8);
        writer.WriteUInt32(0);
        writer.WriteBytes("iso6"u8);
        writer.WriteBytes("cmfc"u8);
        writer.WriteBytes("mp41"u8);
        writer.EndBox(box);
    }

    public static void WriteSegmentType(ref BoxWriter writer)
    {
        var box = writer.BeginBox("styp"u8);
        writer.WriteBytes("msdh"u8);
        writer.WriteUInt32(0);
        writer.WriteBytes("msdh"u8);
        writer.WriteBytes("msix"u8);
        writer.EndBox(box);
    }
}
