using System.Buffers.Binary;
using System.Text;

namespace OpenIvs.Media.Amf;

/// <summary>
/// Decodes AMF0 values from a span into <see cref="AmfValue"/>s under <see cref="AmfLimits"/>.
/// </summary>
/// <remarks>
/// Every declared length or count is checked against the limits and the bytes actually left before anything is
/// allocated; nesting is checked before recursing; a reference adds its target's element count, so fan-out through
/// references is bounded too. Errors throw <see cref="MediaFormatException"/>.
/// </remarks>
public ref struct Amf0Reader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly AmfLimits _limits;
    private int _position;
    private int _elements;
    private List<AmfValue>? _references;
    private List<bool>? _complete;

    public Amf0Reader(ReadOnlySpan<byte> data, AmfLimits? limits = null)
    {
        _data = data;
        _limits = limits ?? AmfLimits.Default;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Consumed => _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsAtEnd => _position >= _data.Length;

    /// <summary>Values decoded so far (references count their target's size).</summary>
    public readonly int ElementCount => _elements;

    /// <summary>Decodes every value of <paramref name="data"/>.</summary>
    public static List<AmfValue> ReadAll(ReadOnlySpan<byte> data, AmfLimits? limits = null)
    {
        var reader = new Amf0Reader(data, limits);
        var values = new List<AmfValue>();
        while (!reader.IsAtEnd)
        {
            values.Add(reader.ReadValue());
        }

        return values;
    }

    /// <summary>Decodes the next value.</summary>
    public AmfValue ReadValue() => ReadValue(1);

    private AmfValue ReadValue(int depth)
    {
        CountElements(1);
        var marker = (AmfType)ReadByte();
        switch (marker)
        {
            case AmfType.Number:
                return AmfValue.Number(ReadDouble());
            case AmfType.Boolean:
                return AmfValue.Boolean(ReadByte() != 0);
            case AmfType.String:
                return AmfValue.String(ReadString(ReadUInt16()));
            case AmfType.LongString:
                return AmfValue.CreateLongString(ReadString(ReadUInt32()));
            case AmfType.XmlDocument:
                return AmfValue.XmlDocument(ReadString(ReadUInt32()));
            case AmfType.Null:
                return AmfValue.Null;
            case AmfType.Undefined:
            case AmfType.Unsupported:
                return AmfValue.Undefined;
            case AmfType.Date:
                var millis = ReadDouble();
                return AmfValue.Date(millis, (short)ReadUInt16());
            case AmfType.Reference:
                return ReadReference();
            case AmfType.Object:
                return ReadProperties(AmfValue.CreateForDecoder(AmfType.Object, null), depth, lenientEnd: false);
            case AmfType.TypedObject:
                var className = ReadString(ReadUInt16());
                return ReadProperties(AmfValue.CreateForDecoder(AmfType.TypedObject, className), depth, lenientEnd: false);
            case AmfType.EcmaArray:
                _ = ReadUInt32(); // the declared count is only a hint: never used for sizing
                return ReadProperties(AmfValue.CreateForDecoder(AmfType.EcmaArray, null), depth, lenientEnd: true);
            case AmfType.StrictArray:
                return ReadStrictArray(depth);
            case AmfType.AvmPlusObject:
                return MediaThrow.Format<AmfValue>(MediaFormatError.Unsupported, "AMF3 values are not supported.");
            case AmfType.ObjectEnd:
                return MediaThrow.Format<AmfValue>(MediaFormatError.InvalidValue, "Object end marker outside an object.");
            default:
                return MediaThrow.Format<AmfValue>(MediaFormatError.InvalidValue, $"Unknown or reserved AMF0 marker 0x{(byte)marker:X2}.");
        }
    }

    private AmfValue ReadProperties(AmfValue value, int depth, bool lenientEnd)
    {
        var index = BeginComplex(value, depth);
        var before = _elements;
        while (true)
        {
            if (lenientEnd && IsAtEnd)
            {
                break; // some encoders end an ECMA array at the end of the message without an end marker
            }

            var name = ReadString(ReadUInt16());
            if (name.Length == 0 && Peek() == (byte)AmfType.ObjectEnd)
            {
                _position++;
                break;
            }

            value.AddProperty(name, ReadValue(depth + 1));
        }

        return EndComplex(value, index, before);
    }

    private AmfValue ReadStrictArray(int depth)
    {
        var count = ReadUInt32();
        if (count > (uint)(_limits.MaxElements - _elements))
        {
            MediaThrow.Format(MediaFormatError.TooManyElements, $"Strict array declares {count} items, over the limit of {_limits.MaxElements} values.");
        }

        if (count > (uint)(_data.Length - _position))
        {
            MediaThrow.Truncated("AMF0 strict array");
        }

        var value = AmfValue.CreateForDecoder(AmfType.StrictArray, null);
        var index = BeginComplex(value, depth);
        var before = _elements;
        for (var i = 0u; i < count; i++)
        {
            value.AddItem(ReadValue(depth + 1));
        }

        return EndComplex(value, index, before);
    }

    private AmfValue ReadReference()
    {
        var index = ReadUInt16();
        if (_references is null || index >= _references.Count)
        {
            MediaThrow.Format(MediaFormatError.InvalidReference, $"AMF0 reference {index} to an unknown object.");
        }

        if (!_complete![index])
        {
            MediaThrow.Format(MediaFormatError.InvalidReference, $"AMF0 reference {index} to an object that is not complete (a cycle).");
        }

        var target = _references[index];
        CountElements(target.ElementCount);
        return target;
    }

    private int BeginComplex(AmfValue value, int depth)
    {
        if (depth > _limits.MaxNestingDepth)
        {
            MediaThrow.Format(MediaFormatError.NestingTooDeep, $"AMF0 nesting deeper than {_limits.MaxNestingDepth}.");
        }

        _references ??= [];
        _complete ??= [];
        _references.Add(value);
        _complete.Add(false);
        return _references.Count - 1;
    }

    private AmfValue EndComplex(AmfValue value, int index, int elementsBefore)
    {
        value.ElementCount = 1 + _elements - elementsBefore;
        _complete![index] = true;
        return value;
    }

    private void CountElements(int count)
    {
        if (count > _limits.MaxElements - _elements)
        {
            MediaThrow.Format(MediaFormatError.TooManyElements, $"More than {_limits.MaxElements} AMF0 values.");
        }

        _elements += count;
    }

    private string ReadString(uint length)
    {
        if (length > (uint)_limits.MaxStringLength)
        {
            MediaThrow.Format(MediaFormatError.StringTooLong, $"AMF0 string of {length} bytes exceeds the limit of {_limits.MaxStringLength}.");
        }

        var bytes = Take((int)length);
        return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    private readonly byte Peek()
    {
        if (_position >= _data.Length)
        {
            MediaThrow.Truncated("AMF0 data");
        }

        return _data[_position];
    }

    private byte ReadByte()
    {
        var value = Peek();
        _position++;
        return value;
    }

    private ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    private double ReadDouble() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            MediaThrow.Truncated("AMF0 data");
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }
}
