using CsCheck;
using OpenIvs.Media.MpegTs;
using OpenIvs.Media.Scte35;

namespace OpenIvs.Media.Tests.Scte35;

public class SpliceInfoSectionTests
{
    [Fact]
    public void SpliceOutWithTimeAndDurationHasTheSpecifiedLayout()
    {
        var command = new SpliceInsert(EventId: 7, OutOfNetwork: true, PtsTime: 0x1_2345_6789, BreakDuration: 30 * 90_000, AutoReturn: true);
        var section = new byte[SpliceInfoSection.GetSize(command)];
        Assert.Equal(40, SpliceInfoSection.Write(section, command));

        byte[] expected =
        [
            0xFC, 0x30, 37, // table_id, section_syntax 0, private 0, sap_type 11, section_length 37
            0x00, // protocol_version
            0x00, 0x00, 0x00, 0x00, 0x00, // not encrypted, pts_adjustment 0
            0x00, // cw_index
            0xFF, 0xF0, 20, // tier 0xFFF, splice_command_length 20
            0x05, // splice_insert
            0x00, 0x00, 0x00, 0x07, // splice_event_id
            0x7F, // not cancelled
            0xEF, // out_of_network 1, program_splice 1, duration 1, immediate 0, event_id_compliance 1, reserved
            0xFF, 0x23, 0x45, 0x67, 0x89, // time_specified 1, pts_time 0x123456789
            0xFE, 0x00, 0x29, 0x32, 0xE0, // auto_return 1, duration 2700000
            0x00, 0x01, 0x00, 0x00, // unique_program_id 1, avail_num 0, avails_expected 0
            0x00, 0x00, // descriptor_loop_length
        ];
        Assert.Equal(expected, section[..^4]);
        Assert.Equal(0u, Crc32Mpeg2.Compute(section)); // a PSI CRC_32 over the whole section checks to zero

        Assert.True(SpliceInfoSection.TryRead(section, out var read, out var length));
        Assert.Equal(40, length);
        Assert.Equal(command, read);
    }

    [Theory]
    [InlineData(true, 0L, 15L * 90_000)]
    [InlineData(false, 8_589_934_591L, null)] // the largest 33-bit time
    [InlineData(false, null, null)] // splice immediately
    public void SectionsReadBackAsWritten(bool outOfNetwork, long? pts, long? duration)
    {
        var command = new SpliceInsert(uint.MaxValue, outOfNetwork, pts, duration, AutoReturn: duration is not null, UniqueProgramId: 0xBEEF);
        var section = new byte[SpliceInfoSection.MaxSize];
        var size = SpliceInfoSection.Write(section, command);
        Assert.True(SpliceInfoSection.TryRead(section.AsSpan(0, size), out var read, out var length));
        Assert.Equal(size, length);
        Assert.Equal(command, read);
    }

    [Fact]
    public void ReadsTheSpliceInsertSampleOfScte35()
    {
        // SCTE 35 (2022) §14.2, "splice_insert": an out with a time, a duration and an avail_descriptor.
        var section = Convert.FromBase64String("/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo=");
        Assert.True(SpliceInfoSection.TryRead(section, out var read, out _));
        Assert.Equal(new SpliceInsert(0x4800008F, true, 0x07369C02E, 0x00052CCF5, AutoReturn: true, UniqueProgramId: 0), read);
    }

    [Fact]
    public void ADamagedSectionIsRefused()
    {
        var section = new byte[SpliceInfoSection.MaxSize];
        var size = SpliceInfoSection.Write(section, new SpliceInsert(1, true, 90_000, 90_000, true));
        for (var i = 0; i < size; i++)
        {
            var copy = section[..size];
            copy[i] ^= 0x10;
            Assert.False(SpliceInfoSection.TryRead(copy, out _, out _), $"byte {i} flipped");
        }

        Assert.False(SpliceInfoSection.TryRead(section.AsSpan(0, size - 1), out _, out _));
        Assert.False(SpliceInfoSection.TryRead([], out _, out _));
    }

    [Fact]
    public void AnyCommandReadsBackAsWritten() =>
        Gen.Select(Gen.UInt, Gen.Bool, Gen.Long[-1, 0x1_FFFF_FFFF], Gen.Long[-1, 0x1_FFFF_FFFF], Gen.Bool, Gen.UShort)
            .Sample(t =>
            {
                var (id, outOfNetwork, ptsOrNone, durationOrNone, autoReturn, program) = t;
                long? pts = ptsOrNone < 0 ? null : ptsOrNone; // -1: none
                long? duration = durationOrNone < 0 ? null : durationOrNone;
                var command = new SpliceInsert(id, outOfNetwork, pts, duration, duration is not null && autoReturn, program);
                var section = new byte[SpliceInfoSection.MaxSize];
                var size = SpliceInfoSection.Write(section, command);
                return SpliceInfoSection.TryRead(section.AsSpan(0, size), out var read, out var length) && length == size && read == command;
            });

    [Fact]
    public void AnyBytesAreReadWithoutThrowing()
    {
        var valid = new byte[SpliceInfoSection.MaxSize];
        SpliceInfoSection.Write(valid, new SpliceInsert(3, true, 1234, 5678, true));
        Gen.OneOf(Gen.Byte.Array[0, 64], Gen.Int[0, SpliceInfoSection.MaxSize - 1].Select(Gen.Byte, (i, b) => { var copy = (byte[])valid.Clone(); copy[i] = b; return copy; }))
            .Sample(bytes =>
            {
                if (SpliceInfoSection.TryRead(bytes, out _, out var length))
                {
                    Assert.InRange(length, 20, bytes.Length);
                }
            });
    }
}
