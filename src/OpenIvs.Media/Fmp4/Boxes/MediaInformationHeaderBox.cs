namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// The media-type header inside <c>minf</c>: <c>vmhd</c> (§12.1.2, flags 1, graphicsmode copy) for video,
/// <c>smhd</c> (§12.2.2, balance 0) for audio.
/// </summary>
internal static class MediaInformationHeaderBox
{
    public static int GetSize(bool isAudio) => isAudio ? 16 : 20;

    public static void Write(ref BoxWriter writer, bool isAudio)
    {
        if (isAudio)
        {
            var smhd = writer.BeginFullBox("smhd"u8, 0, 0);
            writer.WriteUInt16(0); // balance
            writer.WriteUInt16(0); // reserved
            writer.EndBox(smhd);
        }
        else
        {
            var vmhd = writer.BeginFullBox("vmhd"u8, 0, 1);
            writer.WriteUInt16(0); // graphicsmode
            writer.WriteZeros(6); // opcolor
            writer.EndBox(vmhd);
        }
    }
}
