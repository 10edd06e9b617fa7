namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary><c>mfhd</c> (ISO/IEC 14496-12 §8.8.5): the fragment's sequence number, increasing per fragment.</summary>
internal static class MovieFragmentHeaderBox
{
    public const int Size = 16;

    public static void Write(ref BoxWriter writer, uint sequenceNumber)
    {
        var box = writer.BeginFullBox("mfhd"u8, 0, 0);
        writer.WriteUInt32(sequenceNumber);
        writer.EndBox(box);
    }
}
