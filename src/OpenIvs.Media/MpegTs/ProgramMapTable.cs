using System.Buffers.Binary;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// TS_program_map_section (ISO/IEC 13818-1 §2.4.4.8) for H.264 (0x1B), ADTS AAC (0x0F) and timed ID3
/// metadata (0x15), and SCTE-35 splice information (0x86).
/// </summary>
/// <remarks>
/// Timed ID3 follows Apple's "Timed Metadata for HTTP Live Streaming": the program_info loop carries a
/// metadata_pointer_descriptor (tag 0x25, §2.6.58) and the metadata stream a metadata_descriptor (tag 0x26,
/// §2.6.60), both with metadata_application_format 0xFFFF + identifier "ID3 " and metadata_format 0xFF +
/// identifier "ID3 ", followed by a registration_descriptor "ID3 ". SCTE-35 (SCTE 35 §8.1) is announced by a
/// registration_descriptor "CUEI" in the program_info loop and in the stream's ES_info loop.
/// </remarks>
internal static class ProgramMapTable
{
    private const int MetadataPointerDescriptorSize = 2 + 15;
    private const int MetadataDescriptorSize = 2 + 13;
    private const int RegistrationDescriptorSize = 2 + 4;
    private const int MetadataEsInfoSize = MetadataDescriptorSize + RegistrationDescriptorSize;

    public static int GetSectionSize(bool video, bool audio, bool metadata, bool scte35 = false) =>
        12 + (metadata ? MetadataPointerDescriptorSize : 0) + (scte35 ? RegistrationDescriptorSize : 0)
        + (video ? 5 : 0) + (audio ? 5 : 0) + (metadata ? 5 + MetadataEsInfoSize : 0)
        + (scte35 ? 5 + RegistrationDescriptorSize : 0)
        + 4;

    public static void WriteSection(Span<byte> section, bool video, bool audio, bool metadata, bool scte35 = false)
    {
        var size = GetSectionSize(video, audio, metadata, scte35);
        section[0] = 0x02; // table_id
        BinaryPrimitives.WriteUInt16BigEndian(section[1..], (ushort)(0xB000 | (size - 3)));
        BinaryPrimitives.WriteUInt16BigEndian(section[3..], TsPid.ProgramNumber);
        section[5] = 0xC1;
        section[6] = 0;
        section[7] = 0;
        var pcrPid = video ? TsPid.Video : TsPid.Audio; // the PCR rides on the video PID when there is one
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], (ushort)(0xE000 | pcrPid));
        var programInfo = (metadata ? MetadataPointerDescriptorSize : 0) + (scte35 ? RegistrationDescriptorSize : 0);
        BinaryPrimitives.WriteUInt16BigEndian(section[10..], (ushort)(0xF000 | programInfo));
        var offset = 12;
        if (metadata)
        {
            offset += WriteMetadataPointerDescriptor(section[offset..]);
        }

        if (scte35)
        {
            offset += WriteRegistrationDescriptor(section[offset..], "CUEI"u8);
        }

        if (video)
        {
            offset += WriteStream(section[offset..], TsStreamType.H264, TsPid.Video, 0);
        }

        if (audio)
        {
            offset += WriteStream(section[offset..], TsStreamType.AdtsAac, TsPid.Audio, 0);
        }

        if (metadata)
        {
            offset += WriteStream(section[offset..], TsStreamType.PesMetadata, TsPid.Metadata, MetadataEsInfoSize);
            offset += WriteMetadataDescriptor(section[offset..]);
            offset += WriteRegistrationDescriptor(section[offset..], "ID3 "u8);
        }

        if (scte35)
        {
            offset += WriteStream(section[offset..], TsStreamType.Scte35, TsPid.Scte35, RegistrationDescriptorSize);
            offset += WriteRegistrationDescriptor(section[offset..], "CUEI"u8);
        }

        BinaryPrimitives.WriteUInt32BigEndian(section[offset..], Crc32Mpeg2.Compute(section[..offset]));
    }

    private static int WriteStream(Span<byte> destination, TsStreamType type, int pid, int esInfoLength)
    {
        destination[0] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)(0xE000 | pid));
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], (ushort)(0xF000 | esInfoLength));
        return 5;
    }

    private static int WriteMetadataPointerDescriptor(Span<byte> destination)
    {
        destination[0] = 0x25;
        destination[1] = 15;
        WriteId3FormatIdentifiers(destination[2..]);
        destination[13] = 0; // metadata_service_id
        destination[14] = 0x1F; // metadata_locator_record_flag 0, MPEG_carriage_flags 0 (same TS), reserved '11111'
        BinaryPrimitives.WriteUInt16BigEndian(destination[15..], TsPid.ProgramNumber);
        return MetadataPointerDescriptorSize;
    }

    private static int WriteMetadataDescriptor(Span<byte> destination)
    {
        destination[0] = 0x26;
        destination[1] = 13;
        WriteId3FormatIdentifiers(destination[2..]);
        destination[13] = 0; // metadata_service_id
        destination[14] = 0x0F; // decoder_config_flags 000, DSM-CC_flag 0, reserved '1111'
        return MetadataDescriptorSize;
    }

    /// <summary>
    /// registration_descriptor (tag 0x05, §2.6.8): "ID3 " (not required by Apple's spec, but some demuxers look
    /// for a registration descriptor to identify the stream; it costs six bytes) or "CUEI" (SCTE 35).
    /// </summary>
    private static int WriteRegistrationDescriptor(Span<byte> destination, ReadOnlySpan<byte> formatIdentifier)
    {
        destination[0] = 0x05;
        destination[1] = 4;
        formatIdentifier.CopyTo(destination[2..]);
        return RegistrationDescriptorSize;
    }

    private static void WriteId3FormatIdentifiers(Span<byte> destination)
    {
        destination[0] = 0xFF; // metadata_application_format 0xFFFF: use the identifier that follows
        destination[1] = 0xFF;
        "ID3 "u8.CopyTo(destination[2..]);
        destination[6] = 0xFF; // metadata_format 0xFF: use the identifier that follows
        "ID3 "u8.CopyTo(destination[7..]);
    }
}
