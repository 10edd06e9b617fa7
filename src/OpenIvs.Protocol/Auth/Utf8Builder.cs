using System.Buffers;
using System.Text;

namespace OpenIvs.Protocol.Auth;

/// <summary>
/// A growable UTF-8 byte buffer rented from the shared pool, for building SigV4's canonical request and
/// string to sign without intermediate strings. Dispose returns the buffer.
/// </summary>
internal ref struct Utf8Builder
{
    private byte[] _buffer;
    private int _length;

    public Utf8Builder(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Appends an ASCII character.</summary>
    public void Append(char ascii)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = (byte)ascii;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        // Spans in SigV4 are nearly always ASCII: one byte per char, so check the cheap bound first.
        if (_buffer.Length - _length < text.Length * 3)
        {
            Grow(Encoding.UTF8.GetMaxByteCount(text.Length));
        }

        // ASCII first: cheaper per call than the UTF-8 encoder for the short pieces appended here.
        if (Ascii.FromUtf16(text, _buffer.AsSpan(_length), out var written) == OperationStatus.Done)
        {
            _length += written;
            return;
        }

        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    /// <summary>Appends lower-case hex of <paramref name="bytes"/>.</summary>
    public void AppendHexLower(scoped ReadOnlySpan<byte> bytes)
    {
        if (_buffer.Length - _length < bytes.Length * 2)
        {
            Grow(bytes.Length * 2);
        }

        Convert.TryToHexStringLower(bytes, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    /// <summary>
    /// URI-encodes <paramref name="text"/> as SigV4 requires: every UTF-8 byte except the unreserved characters
    /// <c>A-Z a-z 0-9 - . _ ~</c> (and '/' unless <paramref name="encodeSlash"/>) becomes %XX, upper-case hex.
    /// </summary>
    public void AppendUriEncoded(scoped ReadOnlySpan<char> text, bool encodeSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && (IsUnreserved((char)rune.Value) || (!encodeSlash && rune.Value == '/')))
            {
                Append((char)rune.Value);
                continue;
            }

            var count = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < count; i++)
            {
                Append('%');
                Append("0123456789ABCDEF"[utf8[i] >> 4]);
                Append("0123456789ABCDEF"[utf8[i] & 0xF]);
            }
        }
    }

    public static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~';

    /// <summary>Empties the builder, keeping its buffer.</summary>
    public void Clear() => _length = 0;

    public override readonly string ToString() => Encoding.UTF8.GetString(Written);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        Written.CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}
