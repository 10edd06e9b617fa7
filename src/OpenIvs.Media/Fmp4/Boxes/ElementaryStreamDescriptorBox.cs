namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>esds</c> (ISO/IEC 14496-14 §5.6): an ES_Descriptor (ISO/IEC 14496-1 §7.2.6.5, tag 3) holding a
/// DecoderConfigDescriptor (tag 4: objectTypeIndication 0x40 = MPEG-4 Audio, streamType 5 = audio) with the
/// AudioSpecificConfig as DecoderSpecificInfo (tag 5), and an SLConfigDescriptor (tag 6, predefined 2 = MP4).
/// </summary>
internal static class ElementaryStreamDescriptorBox
{
    public static int GetSize(int audioSpecificConfigLength)
    {
        var esContent = GetEsContentSize(audioSpecificConfigLength);
        return 12 + 1 + DescriptorLengthSize(esContent) + esContent;
    }

    public static void Write(ref BoxWriter writer, ReadOnlySpan<byte> audioSpecificConfig)
    {
        var box = writer.BeginFullBox("esds"u8, 0, 0);
        var decoderSpecific = audioSpecificConfig.Length;
        var decoderConfig = 13 + 1 + DescriptorLengthSize(decoderSpecific) + decoderSpecific;

        WriteDescriptorHeader(ref writer, 0x03, GetEsContentSize(decoderSpecific));
        writer.WriteUInt16(0); // ES_ID
        writer.WriteByte(0); // streamDependenceFlag, URL_Flag, OCRstreamFlag, streamPriority

        WriteDescriptorHeader(ref writer, 0x04, decoderConfig);
        writer.WriteByte(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
        writer.WriteByte((0x05 << 2) | 0x01); // streamType audio, upStream 0, reserved 1
        writer.WriteUInt24(0); // bufferSizeDB
        writer.WriteUInt32(0); // maxBitrate
        writer.WriteUInt32(0); // avgBitrate

        WriteDescriptorHeader(ref writer, 0x05, decoderSpecific);
        writer.WriteBytes(audioSpecificConfig);

        WriteDescriptorHeader(ref writer, 0x06, 1);
        writer.WriteByte(0x02); // predefined: reserved for use in MP4 files

        writer.EndBox(box);
    }

    private static int GetEsContentSize(int decoderSpecific)
    {
        var decoderConfig = 13 + 1 + DescriptorLengthSize(decoderSpecific) + decoderSpecific;
        return 3 + 1 + DescriptorLengthSize(decoderConfig) + decoderConfig + 3;
    }

    /// <summary>Descriptor sizes use 7 bits per byte with a continuation bit (ISO/IEC 14496-1 §8.3.3).</summary>
    private static int DescriptorLengthSize(int length) => length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x200000 ? 3 : 4;

    private static void WriteDescriptorHeader(ref BoxWriter writer, byte tag, int length)
    {
        writer.WriteByte(tag);
        var bytes = DescriptorLengthSize(length);
        for (var i = bytes - 1; i >= 0; i--)
        {
            var part = (byte)((length >> (7 * i)) & 0x7F);
            writer.WriteByte(i > 0 ? (byte)(part | 0x80) : part);
        }
    }
}
