namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>The identity transformation matrix used by <c>mvhd</c> and <c>tkhd</c> (§8.2.2, §8.3.2).</summary>
internal static class UnityMatrix
{
    public static void Write(ref BoxWriter writer)
    {
        writer.WriteUInt32(0x00010000);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0x00010000);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0x40000000);
    }
}
