using System.Buffers.Binary;
using OpenIvs.Media.MpegTs;

namespace OpenIvs.Media.Scte35;

/// <summary>
/// splice_info_section (SCTE 35 §9.6) carrying one splice_insert(): written into TS packets on the SCTE-35 PID
/// and, hex-encoded, into EXT-X-DATERANGE's SCTE35-OUT/SCTE35-IN (RFC 8216bis §4.4.5.1.1). No encryption,
/// pts_adjustment 0, tier 0xFFF, no descriptors; CRC_32 as for PSI (<see cref="Crc32Mpeg2"/>).
/// </summary>
public static class SpliceInfoSection
{
    /// <summary>table_id of every splice_info_section.</summary>
    public const byte TableId = 0xFC;

    /// <summary>splice_command_type of splice_insert().</summary>
    public const byte SpliceInsertCommand = 0x05;

    /// <summary>The largest section this writes (a splice_insert with both a splice time and a break duration).</summary>
    public const int MaxSize = 40;

    private const int HeaderSize = 14; // table_id through splice_command_type
    private const long Mask33 = 0x1_FFFF_FFFF;

    public static int GetSize(in SpliceInsert command) => HeaderSize + GetCommandSize(command) + 2 + 4;

    /// <summary>Writes the section; returns its length (<see cref="GetSize"/>).</summary>
    public static int Write(Span<byte> destination, in SpliceInsert command)
    {
        var size = GetSize(command);
        var commandSize = GetCommandSize(command);
        var section = destination[..size];
        section[0] = TableId;
        // section_syntax_indicator 0, private_indicator 0, sap_type '11' (not specified), section_length.
        BinaryPrimitives.WriteUInt16BigEndian(section[1..], (ushort)(0x3000 | (size - 3)));
        section[3] = 0; // protocol_version
        section[4] = 0; // encrypted_packet 0, encryption_algorithm 0, pts_adjustment bit 32 = 0
        BinaryPrimitives.WriteUInt32BigEndian(section[5..], 0); // pts_adjustment bits 31..0
        section[9] = 0; // cw_index
        // tier (12 bits, 0xFFF: no tiering) and splice_command_length (12 bits).
        section[10] = 0xFF;
        section[11] = (byte)(0xF0 | (commandSize >> 8));
        section[12] = (byte)commandSize;
        section[13] = SpliceInsertCommand;
        var offset = HeaderSize + WriteCommand(section[HeaderSize..], command);
        BinaryPrimitives.WriteUInt16BigEndian(section[offset..], 0); // descriptor_loop_length
        offset += 2;
        BinaryPrimitives.WriteUInt32BigEndian(section[offset..], Crc32Mpeg2.Compute(section[..offset]));
        return size;
    }

    /// <summary>
    /// Reads a section holding a splice_insert(): false when it is not one, is truncated, encrypted, or its
    /// CRC_32 does not match. <paramref name="length"/> is the section's length in bytes.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out SpliceInsert command, out int length)
    {
        command = default;
        length = 0;
        if (data.Length < HeaderSize + 6 || data[0] != TableId)
        {
            return false;
        }

        var size = (BinaryPrimitives.ReadUInt16BigEndian(data[1..]) & 0x0FFF) + 3;
        if (size > data.Length || size < HeaderSize + 6 || Crc32Mpeg2.Compute(data[..size]) != 0 || (data[4] & 0x80) != 0)
        {
            return false;
        }

        var commandSize = ((data[11] & 0x0F) << 8) | data[12];
        if (data[13] != SpliceInsertCommand || HeaderSize + commandSize + 6 > size)
        {
            return false;
        }

        var body = data.Slice(HeaderSize, commandSize);
        if (body.Length < 5)
        {
            return false;
        }

        var eventId = BinaryPrimitives.ReadUInt32BigEndian(body);
        if ((body[4] & 0x80) != 0)
        {
            command = new SpliceInsert(eventId, false, null, Cancel: true);
            length = size;
            return true;
        }

        if (body.Length < 6)
        {
            return false;
        }

        var flags = body[5];
        var outOfNetwork = (flags & 0x80) != 0;
        var programSplice = (flags & 0x40) != 0;
        var hasDuration = (flags & 0x20) != 0;
        var immediate = (flags & 0x10) != 0;
        if (!programSplice)
        {
            return false; // component splices are not used for HLS
        }

        var offset = 6;
        long? pts = null;
        if (!immediate)
        {
            if (body.Length < offset + 1)
            {
                return false;
            }

            if ((body[offset] & 0x80) != 0)
            {
                if (body.Length < offset + 5)
                {
                    return false;
                }

                pts = Read33(body[offset..]);
                offset += 5;
            }
            else
            {
                offset += 1;
            }
        }

        long? duration = null;
        var autoReturn = false;
        if (hasDuration)
        {
            if (body.Length < offset + 5)
            {
                return false;
            }

            autoReturn = (body[offset] & 0x80) != 0;
            duration = Read33(body[offset..]);
            offset += 5;
        }

        if (body.Length < offset + 4)
        {
            return false;
        }

        var programId = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        command = new SpliceInsert(eventId, outOfNetwork, pts, duration, autoReturn, programId);
        length = size;
        return true;
    }

    private static int GetCommandSize(in SpliceInsert command) =>
        command.Cancel ? 5 : 10 + (command.PtsTime is null ? 0 : 5) + (command.BreakDuration is null ? 0 : 5);

    private static int WriteCommand(Span<byte> destination, in SpliceInsert command)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, command.EventId);
        if (command.Cancel)
        {
            destination[4] = 0xFF; // splice_event_cancel_indicator 1, reserved
            return 5;
        }

        destination[4] = 0x7F; // splice_event_cancel_indicator 0, reserved
        // out_of_network_indicator, program_splice_flag 1, duration_flag, splice_immediate_flag,
        // event_id_compliance_flag 1, reserved '111'.
        destination[5] = (byte)((command.OutOfNetwork ? 0x80 : 0) | 0x40 | (command.BreakDuration is null ? 0 : 0x20)
            | (command.PtsTime is null ? 0x10 : 0) | 0x0F);
        var offset = 6;
        if (command.PtsTime is { } pts)
        {
            Write33(destination[offset..], 0x80 | 0x7E, pts); // time_specified_flag 1, reserved '111111'
            offset += 5;
        }

        if (command.BreakDuration is { } duration)
        {
            Write33(destination[offset..], (command.AutoReturn ? 0x80 : 0) | 0x7E, duration); // auto_return, reserved
            offset += 5;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], command.UniqueProgramId);
        destination[offset + 2] = 0; // avail_num
        destination[offset + 3] = 0; // avails_expected
        return offset + 4;
    }

    /// <summary>Five bytes: the flags of the first byte's top 7 bits, then a 33-bit value.</summary>
    private static void Write33(Span<byte> destination, int flags, long value)
    {
        var v = (ulong)value & Mask33;
        destination[0] = (byte)((flags & 0xFE) | (int)(v >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)v);
    }

    private static long Read33(ReadOnlySpan<byte> source) =>
        ((long)(source[0] & 0x01) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[1..]);
}
