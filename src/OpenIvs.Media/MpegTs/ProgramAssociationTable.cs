using System.Buffers.Binary;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// program_association_section (ISO/IEC 13818-1 §2.4.4.3) announcing one program and its PMT PID.
/// </summary>
internal static class ProgramAssociationTable
{
    public const int SectionSize = 16;

    public static void WriteSection(Span<byte> section)
    {
        section[0] = 0x00; // table_id
        // section_syntax_indicator 1, '0', reserved '11', section_length (bytes after this field incl. CRC)
        BinaryPrimitives.WriteUInt16BigEndian(section[1..], (ushort)(0xB000 | (SectionSize - 3)));
        BinaryPrimitives.WriteUInt16BigEndian(section[3..], 1); // transport_stream_id
        section[5] = 0xC1; // reserved '11', version_number 0, current_next_indicator 1
        section[6] = 0; // section_number
        section[7] = 0; // last_section_number
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], TsPid.ProgramNumber);
        BinaryPrimitives.WriteUInt16BigEndian(section[10..], 0xE000 | TsPid.ProgramMap); // reserved '111' + PID
        BinaryPrimitives.WriteUInt32BigEndian(section[12..], Crc32Mpeg2.Compute(section[..12]));
    }
}
