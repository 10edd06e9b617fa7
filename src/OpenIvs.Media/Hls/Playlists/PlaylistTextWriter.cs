using System.Buffers;
using System.Globalization;
using System.Text;

namespace OpenIvs.Media.Hls.Playlists;

/// <summary>
/// Appends playlist text as UTF-8 straight into an <see cref="IBufferWriter{T}"/>: no intermediate strings.
/// Numbers are formatted with the invariant culture (RFC 8216bis §4.2: decimal-integer and
/// decimal-floating-point use '.' and no grouping).
/// </summary>
internal readonly ref struct PlaylistTextWriter(IBufferWriter<byte> output)
{
    private readonly IBufferWriter<byte> _output = output;

    public void Write(ReadOnlySpan<byte> ascii) => _output.Write(ascii);

    public void WriteLine(ReadOnlySpan<byte> ascii)
    {
        _output.Write(ascii);
        NewLine();
    }

    public void NewLine() => _output.Write("\n"u8);

    /// <summary>Writes a string as UTF-8.</summary>
    public void Write(string value)
    {
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        _output.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    /// <summary>Writes <c>"value"</c>; quoted-strings must not contain a double quote, CR or LF (§4.2).</summary>
    public void WriteQuoted(string value)
    {
        if (value.AsSpan().IndexOfAny('"', '\r', '\n') >= 0)
        {
            throw new ArgumentException($"Quoted-string cannot contain '\"', CR or LF: {value}");
        }

        Write("\""u8);
        Write(value);
        Write("\""u8);
    }

    public void Write(long value)
    {
        var span = _output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    /// <summary>
    /// Writes a decimal-floating-point rounded to <paramref name="maxDecimals"/> places with trailing zeros
    /// trimmed down to <paramref name="minDecimals"/> (e.g. 2 -> "2.000", 0.333333 -> "0.33333").
    /// </summary>
    public void WriteDecimal(double value, int maxDecimals = 5, int minDecimals = 3)
    {
        Span<char> formatChars = ['F', (char)('0' + maxDecimals)];
        var span = _output.GetSpan(32);
        if (!value.TryFormat(span, out var written, formatChars, CultureInfo.InvariantCulture))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Not a playlist number.");
        }

        var point = span[..written].IndexOf((byte)'.');
        if (point >= 0)
        {
            var keep = point + 1 + minDecimals;
            while (written > keep && span[written - 1] == (byte)'0')
            {
                written--;
            }

            if (minDecimals == 0 && written == point + 1)
            {
                written--;
            }
        }

        _output.Advance(written);
    }

    /// <summary>ISO 8601 date-time with milliseconds and a 'Z' zone (§4.4.4.6 requires a time zone).</summary>
    public void WriteDateTime(DateTimeOffset value)
    {
        var span = _output.GetSpan(32);
        value.UtcDateTime.TryFormat(span, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        _output.Advance(written);
    }

    /// <summary>A hexadecimal-sequence (§4.2): <c>0x</c> and two upper-case digits per byte.</summary>
    public void WriteHex(ReadOnlySpan<byte> bytes)
    {
        var span = _output.GetSpan(2 + (2 * bytes.Length));
        span[0] = (byte)'0';
        span[1] = (byte)'x';
        Convert.TryToHexString(bytes, span[2..], out var written);
        _output.Advance(2 + written);
    }

    public void WriteYesNo(bool value) => Write(value ? "YES"u8 : "NO"u8);
}
