namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary><c>hdlr</c> (ISO/IEC 14496-12 §8.4.3): <c>vide</c> or <c>soun</c> with a NUL-terminated name.</summary>
internal static class HandlerBox
{
    private static ReadOnlySpan<byte> VideoName => "VideoHandler\0"u8;

    private static ReadOnlySpan<byte> SoundName => "SoundHandler\0"u8;

    public static int GetSize(bool isAudio) => 12 + 20 + (isAudio ? SoundName.Length : VideoName.Length);

    public static void Write(ref BoxWriter writer, bool isAudio)
    {
        var box = writer.BeginFullBox("hdlr"u8, 0, 0);
        writer.WriteUInt32(0); // pre_defined
        writer.WriteBytes(isAudio ? "soun"u8 : "vide"u8);
        writer.WriteZeros(12); // reserved
        writer.WriteBytes(isAudio ? SoundName : VideoName);
        writer.EndBox(box);
    }
}
