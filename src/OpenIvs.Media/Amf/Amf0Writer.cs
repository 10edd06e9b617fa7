using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OpenIvs.Media.Amf;

/// <summary>Encodes AMF0 values into an <see cref="IBufferWriter{T}"/>.</summary>
public static class Amf0Writer
{
    public static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(9);
        span[0] = (byte)AmfType.Number;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        output.Advance(9);
    }

    public static void WriteBoolean(IBufferWriter<byte> output, bool value)
    {
        var span = output.GetSpan(2);
        span[0] = (byte)AmfType.Boolean;
        span[1] = value ? (byte)1 : (byte)0;
        output.Advance(2);
    }

    /// <summary>Writes a string, as a long string when it is over 65535 UTF-8 bytes.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            WriteMarker(output, AmfType.LongString);
            WriteUtf8(output, value, length, longLength: true);
        }
        else
        {
            WriteMarker(output, AmfType.String);
            WriteUtf8(output, value, length, longLength: false);
        }
    }

    public static void WriteNull(IBufferWriter<byte> output) => WriteMarker(output, AmfType.Null);

    public static void WriteUndefined(IBufferWriter<byte> output) => WriteMarker(output, AmfType.Undefined);

    public static void WriteDate(IBufferWriter<byte> output, double millisecondsSinceEpoch, short timeZone = 0)
    {
        var span = output.GetSpan(11);
        span[0] = (byte)AmfType.Date;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], millisecondsSinceEpoch);
        BinaryPrimitives.WriteInt16BigEndian(span[9..], timeZone);
        output.Advance(11);
    }

    public static void WriteObjectStart(IBufferWriter<byte> output) => WriteMarker(output, AmfType.Object);

    public static void WriteEcmaArrayStart(IBufferWriter<byte> output, uint count)
    {
        var span = output.GetSpan(5);
        span[0] = (byte)AmfType.EcmaArray;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], count);
        output.Advance(5);
    }

    public static void WriteStrictArrayStart(IBufferWriter<byte> output, uint count)
    {
        var span = output.GetSpan(5);
        span[0] = (byte)AmfType.StrictArray;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], count);
        output.Advance(5);
    }

    /// <summary>Writes a property name (a UTF-8 string without marker); follow it with a value.</summary>
    public static void WritePropertyName(IBufferWriter<byte> output, string name)
    {
        var length = Encoding.UTF8.GetByteCount(name);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException("AMF0 property names are at most 65535 UTF-8 bytes.", nameof(name));
        }

        WriteUtf8(output, name, length, longLength: false);
    }

    /// <summary>Ends an object, ECMA array or typed object (empty name + end marker).</summary>
    public static void WriteObjectEnd(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(3);
        span[0] = 0;
        span[1] = 0;
        span[2] = (byte)AmfType.ObjectEnd;
        output.Advance(3);
    }

    /// <summary>Writes an object from name/value pairs.</summary>
    public static void WriteObject(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, AmfValue>> properties)
    {
        WriteObjectStart(output);
        WriteProperties(output, properties);
    }

    /// <summary>Writes any value of the model.</summary>
    public static void WriteValue(IBufferWriter<byte> output, AmfValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.Type)
        {
            case AmfType.Number:
                WriteNumber(output, value.AsNumber!.Value);
                break;
            case AmfType.Boolean:
                WriteBoolean(output, value.AsBoolean!.Value);
                break;
            case AmfType.String:
            case AmfType.LongString:
                WriteString(output, value.AsString!);
                break;
            case AmfType.XmlDocument:
                WriteMarker(output, AmfType.XmlDocument);
                WriteUtf8(output, value.AsString!, Encoding.UTF8.GetByteCount(value.AsString!), longLength: true);
                break;
            case AmfType.Null:
                WriteNull(output);
                break;
            case AmfType.Date:
                WriteDate(output, value.AsNumber!.Value, value.TimeZone);
                break;
            case AmfType.Object:
                WriteObject(output, value.Properties);
                break;
            case AmfType.EcmaArray:
                WriteEcmaArrayStart(output, (uint)value.Properties.Count);
                WriteProperties(output, value.Properties);
                break;
            case AmfType.TypedObject:
                WriteMarker(output, AmfType.TypedObject);
                WritePropertyName(output, value.ClassName!);
                WriteProperties(output, value.Properties);
                break;
            case AmfType.StrictArray:
                WriteStrictArrayStart(output, (uint)value.Items.Count);
                foreach (var item in value.Items)
                {
                    WriteValue(output, item);
                }

                break;
            default:
                WriteUndefined(output);
                break;
        }
    }

    private static void WriteProperties(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, AmfValue>> properties)
    {
        foreach (var property in properties)
        {
            WritePropertyName(output, property.Key);
            WriteValue(output, property.Value);
        }

        WriteObjectEnd(output);
    }

    private static void WriteMarker(IBufferWriter<byte> output, AmfType marker)
    {
        output.GetSpan(1)[0] = (byte)marker;
        output.Advance(1);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string value, int length, bool longLength)
    {
        var prefix = longLength ? 4 : 2;
        var span = output.GetSpan(prefix + length);
        if (longLength)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        }

        Encoding.UTF8.GetBytes(value, span[prefix..]);
        output.Advance(prefix + length);
    }
}
