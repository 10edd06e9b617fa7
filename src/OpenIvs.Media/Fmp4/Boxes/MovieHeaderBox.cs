namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary><c>mvhd</c> version 0 (ISO/IEC 14496-12 §8.2.2). Duration 0: a live fragmented movie.</summary>
internal static class MovieHeaderBox
{
    public const int Size = 108;

    /// <summary>Movie timescale; only used for the (zero) movie duration.</summary>
    public const uint Timescale = 1000;

    public static void Write(ref BoxWriter writer, uint nextTrackId)
    {
        var box = writer.BeginFullBox("mvhd"u8, 0, 0);
        writer.WriteUInt32(0); // creation_time
        writer.WriteUInt32(0); // modification_time
        writer.WriteUInt32(Timescale);
        writer.WriteUInt32(0); // duration
        writer.WriteUInt32(0x00010000); // rate 1.0
        writer.WriteUInt16(0x0100); // volume 1.0
        writer.WriteZeros(2 + 8); // reserved
        UnityMatrix.Write(ref writer);
        writer.WriteZeros(6 * 4); // pre_defined
        writer.WriteUInt32(nextTrackId);
        writer.EndBox(box);
    }
}
