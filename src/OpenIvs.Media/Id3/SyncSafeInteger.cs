namespace OpenIvs.Media.Id3;

/// <summary>
/// ID3v2 "synchsafe" integers (ID3v2.4 structure §6.2): 28 bits stored as four bytes of 7 bits each with the
/// high bit clear, so a tag size can never look like an MPEG sync word.
/// </summary>
public static class SyncSafeInteger
{
    /// <summary>Largest value that fits (2^28 - 1).</summary>
    public const int MaxValue = (1 << 28) - 1;

    public static void Write(Span<byte> destination, int value)
    {
        if ((uint)value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Synchsafe integers hold 28 bits.");
        }

        destination[0] = (byte)((value >> 21) & 0x7F);
        destination[1] = (byte)((value >> 14) & 0x7F);
        destination[2] = (byte)((value >> 7) & 0x7F);
        destination[3] = (byte)(value & 0x7F);
    }

    /// <summary>Reads a synchsafe integer; false if a byte has its high bit set.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out int value)
    {
        value = 0;
        if (source.Length < 4 || ((source[0] | source[1] | source[2] | source[3]) & 0x80) != 0)
        {
            return false;
        }

        value = (source[0] << 21) | (source[1] << 14) | (source[2] << 7) | source[3];
        return true;
    }
}
