namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>dinf</c> with a <c>dref</c> holding one self-contained <c>url </c> entry (ISO/IEC 14496-12 §8.7.1-2:
/// flag 1 means the media data is in the same file).
/// </summary>
internal static class DataInformationBox
{
    public const int Size = 8 + 16 + 12;

    public static void Write(ref BoxWriter writer)
    {
        var dinf = writer.BeginBox("dinf"u8);
        var dref = writer.BeginFullBox("dref"u8, 0, 0);
        writer.WriteUInt32(1); // entry_count
        var url = writer.BeginFullBox("url "u8, 0, 1);
        writer.EndBox(url);
        writer.EndBox(dref);
        writer.EndBox(dinf);
    }
}
