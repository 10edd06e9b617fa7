namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// The mandatory but empty <c>stts</c>, <c>stsc</c>, <c>stsz</c> and <c>stco</c> of a fragmented track
/// (ISO/IEC 14496-12 §8.8.1: samples live in movie fragments, so the tables in <c>moov</c> carry none).
/// </summary>
internal static class EmptySampleTableBoxes
{
    public const int Size = 16 + 16 + 20 + 16;

    public static void Write(ref BoxWriter writer)
    {
        var stts = writer.BeginFullBox("stts"u8, 0, 0);
        writer.WriteUInt32(0); // entry_count
        writer.EndBox(stts);

        var stsc = writer.BeginFullBox("stsc"u8, 0, 0);
        writer.WriteUInt32(0);
        writer.EndBox(stsc);

        var stsz = writer.BeginFullBox("stsz"u8, 0, 0);
        writer.WriteUInt32(0); // sample_size
        writer.WriteUInt32(0); // sample_count
        writer.EndBox(stsz);

        var stco = writer.BeginFullBox("stco"u8, 0, 0);
        writer.WriteUInt32(0);
        writer.EndBox(stco);
    }
}
