using System.Buffers;

namespace OpenIvs.Media.Codecs;

/// <summary>Removes emulation prevention bytes (<c>00 00 03</c> -> <c>00 00</c>) to turn a NAL unit payload into its RBSP.</summary>
public static class Rbsp
{
    /// <summary>Writes the RBSP of <paramref name="nal"/> to <paramref name="destination"/> (at least as long) and returns its length.</summary>
    public static int Unescape(ReadOnlySpan<byte> nal, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, nal.Length, nameof(destination));
        var written = 0;
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            destination[written++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }

        return written;
    }

    /// <summary>
    /// Parses the RBSP of <paramref name="nal"/> after its <paramref name="headerLength"/>-byte NAL unit header, unescaped
    /// into a pooled buffer that is returned once <paramref name="parse"/> is done with it.
    /// </summary>
    internal static T Parse<T>(ReadOnlySpan<byte> nal, int headerLength, Func<ReadOnlySpan<byte>, T> parse)
    {
        var rented = ArrayPool<byte>.Shared.Rent(nal.Length);
        try
        {
            var length = Unescape(nal[headerLength..], rented);
            return parse(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
