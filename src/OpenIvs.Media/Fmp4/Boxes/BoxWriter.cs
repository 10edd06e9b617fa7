using System.Buffers.Binary;
using System.Text;

namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// Big-endian cursor over a caller-provided span, with box size back-patching (ISO/IEC 14496-12 §4.2:
/// a box starts with a 32-bit size that covers the whole box, then a four-character type).
/// </summary>
/// <remarks>The span must be large enough; writers compute exact sizes first so this never grows.</remarks>
internal ref struct BoxWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public BoxWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt24(uint value)
    {
        _buffer[_position] = (byte)(value >> 16);
        _buffer[_position + 1] = (byte)(value >> 8);
        _buffer[_position + 2] = (byte)value;
        _position += 3;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    public void WriteZeros(int count)
    {
        _buffer.Slice(_position, count).Clear();
        _position += count;
    }

    /// <summary>Writes <paramref name="value"/> as UTF-8 followed by a NUL terminator.</summary>
    public void WriteNullTerminated(string value)
    {
        _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
        _buffer[_position++] = 0;
    }

    /// <summary>Starts a box; returns its offset for <see cref="EndBox"/>.</summary>
    public int BeginBox(scoped ReadOnlySpan<byte> type)
    {
        var start = _position;
        WriteUInt32(0);
        WriteBytes(type);
        return start;
    }

    /// <summary>Starts a full box (§4.2: an 8-bit version and 24 bits of flags follow the type).</summary>
    public int BeginFullBox(scoped ReadOnlySpan<byte> type, byte version, uint flags)
    {
        var start = BeginBox(type);
        WriteByte(version);
        WriteUInt24(flags);
        return start;
    }

    /// <summary>Patches the size field of the box started at <paramref name="start"/>.</summary>
    public readonly void EndBox(int start) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[start..], (uint)(_position - start));
}
