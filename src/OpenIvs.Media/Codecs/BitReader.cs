namespace OpenIvs.Media.Codecs;

/// <summary>
/// MSB-first bit reader with Exp-Golomb codes (H.264/H.265 <c>ue(v)</c>/<c>se(v)</c>) over an RBSP. Reading past
/// the end throws <see cref="MediaFormatException"/> (<see cref="MediaFormatError.Truncated"/>).
/// </summary>
public ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private long _bitPosition;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
    }

    public readonly long BitPosition => _bitPosition;

    public readonly long BitsRemaining => (long)_data.Length * 8 - _bitPosition;

    public bool ReadBit() => ReadBits(1) != 0;

    /// <summary>Reads 0..32 bits as an unsigned value.</summary>
    public uint ReadBits(int count)
    {
        if ((uint)count > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        if (count > BitsRemaining)
        {
            MediaThrow.Truncated("Bitstream");
        }

        ulong value = 0;
        for (var i = 0; i < count; i++)
        {
            var bit = (_data[(int)(_bitPosition >> 3)] >> (7 - (int)(_bitPosition & 7))) & 1;
            value = (value << 1) | (uint)bit;
            _bitPosition++;
        }

        return (uint)value;
    }

    public void SkipBits(long count)
    {
        if (count < 0 || count > BitsRemaining)
        {
            MediaThrow.Truncated("Bitstream");
        }

        _bitPosition += count;
    }

    /// <summary>Unsigned Exp-Golomb <c>ue(v)</c>; values above 2^32-2 are rejected.</summary>
    public uint ReadUnsignedExpGolomb()
    {
        var leadingZeros = 0;
        while (!ReadBit())
        {
            if (++leadingZeros > 31)
            {
                MediaThrow.Format(MediaFormatError.InvalidValue, "Exp-Golomb code longer than 32 bits.");
            }
        }

        return leadingZeros == 0 ? 0 : (uint)((1UL << leadingZeros) - 1 + ReadBits(leadingZeros));
    }

    /// <summary>Signed Exp-Golomb <c>se(v)</c>.</summary>
    public int ReadSignedExpGolomb()
    {
        var code = ReadUnsignedExpGolomb();
        var magnitude = (int)((code + 1) >> 1);
        return (code & 1) != 0 ? magnitude : -magnitude;
    }

    /// <summary>Reads <c>ue(v)</c> and checks it against <paramref name="max"/>.</summary>
    public int ReadUnsignedExpGolomb(int max, string field)
    {
        var value = ReadUnsignedExpGolomb();
        if (value > (uint)max)
        {
            MediaThrow.Format(MediaFormatError.InvalidValue, $"{field} = {value} exceeds {max}.");
        }

        return (int)value;
    }
}
