using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>mp4a</c>, an AudioSampleEntry (ISO/IEC 14496-12 §12.2.3) followed by <c>esds</c>
/// (ISO/IEC 14496-14 §5.6) carrying the AudioSpecificConfig.
/// </summary>
internal static class AudioSampleEntryBox
{
    private const int FixedSize = 36;

    public static int GetSize(AudioTrackInfo audio) => FixedSize + ElementaryStreamDescriptorBox.GetSize(audio.AudioSpecificConfig.Length);

    public static void Write(ref BoxWriter writer, AudioTrackInfo audio)
    {
        var entry = writer.BeginBox("mp4a"u8);
        writer.WriteZeros(6); // reserved
        writer.WriteUInt16(1); // data_reference_index
        writer.WriteZeros(8); // reserved
        writer.WriteUInt16((ushort)audio.Channels);
        writer.WriteUInt16(16); // samplesize
        writer.WriteUInt16(0); // pre_defined
        writer.WriteUInt16(0); // reserved
        // samplerate is 16.16 fixed point; rates above 65535 Hz do not fit and are left 0 (the esds wins).
        writer.WriteUInt32(audio.SampleRate <= ushort.MaxValue ? (uint)audio.SampleRate << 16 : 0);
        ElementaryStreamDescriptorBox.Write(ref writer, audio.AudioSpecificConfig);
        writer.EndBox(entry);
    }
}
