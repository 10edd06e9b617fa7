using System.Buffers;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// Splits one payload unit (a PES packet) into 188-byte transport packets (ISO/IEC 13818-1 §2.4.3.2-3).
/// </summary>
/// <remarks>
/// The first packet has payload_unit_start_indicator set and, when asked, an adaptation field with the PCR
/// and random_access_indicator. A PES packet must end at a packet boundary, so the last packet is filled with
/// adaptation-field stuffing (§2.4.3.5: stuffing_byte 0xFF inside the adaptation field) rather than payload.
/// continuity_counter increments for every packet that carries payload (§2.4.3.3).
/// </remarks>
internal static class TsPacketWriter
{
    /// <summary>Writes <paramref name="unit"/> on <paramref name="pid"/>; <paramref name="pcr"/> in 90 kHz units, or -1 for none.</summary>
    public static void WriteUnit(IBufferWriter<byte> output, int pid, ref byte continuityCounter, ReadOnlySpan<byte> unit, long pcr, bool randomAccess)
    {
        var first = true;
        do
        {
            var packet = output.GetSpan(TsPacket.Size)[..TsPacket.Size];
            var withPcr = first && pcr >= 0;
            var withFlags = first && (withPcr || randomAccess);
            var minAdaptation = withFlags ? 2 + (withPcr ? 6 : 0) : 0;
            var payload = Math.Min(unit.Length, TsPacket.MaxPayload - minAdaptation);
            var adaptation = TsPacket.MaxPayload - payload; // >= minAdaptation; > when stuffing the last packet

            packet[0] = TsPacket.SyncByte;
            packet[1] = (byte)((first ? 0x40 : 0) | ((pid >> 8) & 0x1F));
            packet[2] = (byte)pid;
            packet[3] = (byte)((adaptation > 0 ? 0x30 : 0x10) | continuityCounter);
            continuityCounter = (byte)((continuityCounter + 1) & 0x0F);

            if (adaptation > 0)
            {
                packet[4] = (byte)(adaptation - 1); // adaptation_field_length excludes itself
                if (adaptation > 1)
                {
                    packet[5] = (byte)((withFlags && randomAccess ? 0x40 : 0) | (withPcr ? 0x10 : 0));
                    var offset = 6;
                    if (withPcr)
                    {
                        WritePcr(packet[offset..], pcr);
                        offset += 6;
                    }

                    packet[offset..(4 + adaptation)].Fill(0xFF);
                }
            }

            unit[..payload].CopyTo(packet[(4 + adaptation)..]);
            unit = unit[payload..];
            output.Advance(TsPacket.Size);
            first = false;
        }
        while (!unit.IsEmpty);
    }

    /// <summary>Writes a PSI section in one packet: pointer_field 0, the section, then 0xFF fill (§2.4.4.2).</summary>
    public static void WriteSection(IBufferWriter<byte> output, int pid, ref byte continuityCounter, ReadOnlySpan<byte> section)
    {
        if (section.Length > TsPacket.MaxPayload - 1)
        {
            throw new ArgumentException("Section does not fit in one packet.", nameof(section));
        }

        var packet = output.GetSpan(TsPacket.Size)[..TsPacket.Size];
        packet[0] = TsPacket.SyncByte;
        packet[1] = (byte)(0x40 | ((pid >> 8) & 0x1F));
        packet[2] = (byte)pid;
        packet[3] = (byte)(0x10 | continuityCounter);
        continuityCounter = (byte)((continuityCounter + 1) & 0x0F);
        packet[4] = 0; // pointer_field
        section.CopyTo(packet[5..]);
        packet[(5 + section.Length)..].Fill(0xFF);
        output.Advance(TsPacket.Size);
    }

    /// <summary>program_clock_reference: 33-bit base (90 kHz), 6 reserved bits, 9-bit extension (§2.4.3.5).</summary>
    public static void WritePcr(Span<byte> destination, long pcr90)
    {
        var bas = (ulong)pcr90 & 0x1FFFFFFFF;
        destination[0] = (byte)(bas >> 25);
        destination[1] = (byte)(bas >> 17);
        destination[2] = (byte)(bas >> 9);
        destination[3] = (byte)(bas >> 1);
        destination[4] = (byte)(((bas & 1) << 7) | 0x7E); // extension high bit 0
        destination[5] = 0;
    }
}
