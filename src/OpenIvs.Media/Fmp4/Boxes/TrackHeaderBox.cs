namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary><c>tkhd</c> version 0 (ISO/IEC 14496-12 §8.3.2).</summary>
internal static class TrackHeaderBox
{
    public const int Size = 92;

    /// <summary>track_enabled | track_in_movie.</summary>
    private const uint Flags = 0x000003;

    public static void Write(ref BoxWriter writer, uint trackId, bool isAudio, int width, int height)
    {
        var box = writer.BeginFullBox("tkhd"u8, 0, Flags);
        writer.WriteUInt32(0); // creation_time
        writer.WriteUInt32(0); // modification_time
        writer.WriteUInt32(trackId);
        writer.WriteUInt32(0); // reserved
        writer.WriteUInt32(0); // duration
        writer.WriteZeros(8); // reserved
        writer.WriteUInt16(0); // layer
        writer.WriteUInt16(0); // alternate_group
        writer.WriteUInt16(isAudio ? (ushort)0x0100 : (ushort)0); // volume: 1.0 for audio tracks only
        writer.WriteUInt16(0); // reserved
        UnityMatrix.Write(ref writer);
        writer.WriteUInt32((uint)width << 16); // 16.16 fixed point
        writer.WriteUInt32((uint)height << 16);
        writer.EndBox(box);
    }
}
