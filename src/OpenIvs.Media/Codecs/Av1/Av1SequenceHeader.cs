namespace OpenIvs.Media.Codecs.Av1;

/// <summary>
/// The leading fields of an AV1 sequence header OBU: profile, the first operating point's level and tier,
/// timing info and the maximum frame size.
/// </summary>
public sealed record Av1SequenceHeader(int Profile, int Level, bool HighTier, int MaxWidth, int MaxHeight, uint NumUnitsInDisplayTick, uint TimeScale)
{
    /// <summary>Frames per second from timing info, when present.</summary>
    public double? FrameRate => NumUnitsInDisplayTick > 0 && TimeScale > 0 ? (double)TimeScale / NumUnitsInDisplayTick : null;

    /// <summary>Finds and parses the first sequence header OBU in a series of OBUs (low overhead format).</summary>
    /// <returns><c>null</c> when there is no sequence header OBU.</returns>
    public static Av1SequenceHeader? FindAndParse(ReadOnlySpan<byte> obus)
    {
        while (!obus.IsEmpty)
        {
            var header = obus[0];
            var type = (header >> 3) & 0x0F;
            var headerLength = (header & 0x04) != 0 ? 2 : 1;
            if (obus.Length < headerLength)
            {
                MediaThrow.Truncated("AV1 OBU header");
            }

            int size;
            if ((header & 0x02) != 0)
            {
                size = (int)Math.Min(ReadLeb128(obus[headerLength..], out var sizeLength), int.MaxValue);
                headerLength += sizeLength;
            }
            else
            {
                size = obus.Length - headerLength;
            }

            if (size > obus.Length - headerLength)
            {
                MediaThrow.Truncated("AV1 OBU");
            }

            if (type == 1)
            {
                return Parse(obus.Slice(headerLength, size));
            }

            obus = obus[(headerLength + size)..];
        }

        return null;
    }

    /// <summary>Parses the payload of a sequence header OBU.</summary>
    public static Av1SequenceHeader Parse(ReadOnlySpan<byte> payload)
    {
        var bits = new BitReader(payload);
        var profile = (int)bits.ReadBits(3);
        bits.SkipBits(1); // still_picture
        var reduced = bits.ReadBit();
        int level;
        var tier = false;
        uint numUnits = 0, timeScale = 0;
        if (reduced)
        {
            level = (int)bits.ReadBits(5);
        }
        else
        {
            var decoderModelInfoPresent = false;
            var bufferDelayLength = 0;
            if (bits.ReadBit())
            {
                numUnits = bits.ReadBits(32);
                timeScale = bits.ReadBits(32);
                if (bits.ReadBit())
                {
                    ReadUvlc(ref bits); // num_ticks_per_picture_minus_1
                }

                decoderModelInfoPresent = bits.ReadBit();
                if (decoderModelInfoPresent)
                {
                    bufferDelayLength = (int)bits.ReadBits(5) + 1;
                    bits.SkipBits(32 + 5 + 5); // num_units_in_decoding_tick, removal/presentation time lengths
                }
            }

            var initialDisplayDelayPresent = bits.ReadBit();
            var operatingPoints = (int)bits.ReadBits(5) + 1;
            level = 0;
            for (var i = 0; i < operatingPoints; i++)
            {
                bits.SkipBits(12); // operating_point_idc
                var pointLevel = (int)bits.ReadBits(5);
                var pointTier = pointLevel > 7 && bits.ReadBit();
                if (decoderModelInfoPresent && bits.ReadBit())
                {
                    bits.SkipBits(2 * bufferDelayLength + 1);
                }

                if (initialDisplayDelayPresent && bits.ReadBit())
                {
                    bits.SkipBits(4);
                }

                if (i == 0)
                {
                    (level, tier) = (pointLevel, pointTier);
                }
            }
        }

        var widthBits = (int)bits.ReadBits(4) + 1;
        var heightBits = (int)bits.ReadBits(4) + 1;
        var width = (int)bits.ReadBits(widthBits) + 1;
        var height = (int)bits.ReadBits(heightBits) + 1;
        return new Av1SequenceHeader(profile, level, tier, width, height, numUnits, timeScale);
    }

    private static void ReadUvlc(ref BitReader bits)
    {
        var leadingZeros = 0;
        while (!bits.ReadBit())
        {
            if (++leadingZeros >= 32)
            {
                return;
            }
        }

        bits.SkipBits(leadingZeros);
    }

    private static ulong ReadLeb128(ReadOnlySpan<byte> data, out int length)
    {
        ulong value = 0;
        for (length = 0; length < 8; length++)
        {
            if (length >= data.Length)
            {
                MediaThrow.Truncated("AV1 leb128");
            }

            value |= (ulong)(data[length] & 0x7F) << (7 * length);
            if ((data[length] & 0x80) == 0)
            {
                length++;
                return value;
            }
        }

        return value;
    }
}
