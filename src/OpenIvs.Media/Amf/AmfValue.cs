using System.Globalization;
using System.Text;

namespace OpenIvs.Media.Amf;

/// <summary>
/// A decoded AMF0 value: the small value model used for commands and metadata (not the media hot path).
/// Objects, ECMA arrays and typed objects keep their properties in wire order; lookups are by exact name.
/// </summary>
public sealed class AmfValue
{
    private static readonly List<KeyValuePair<string, AmfValue>> s_noProperties = [];
    private static readonly List<AmfValue> s_noItems = [];

    private readonly double _number;
    private readonly string? _text;
    private readonly List<KeyValuePair<string, AmfValue>>? _properties;
    private readonly List<AmfValue>? _items;

    private AmfValue(AmfType type, double number = 0, string? text = null, List<KeyValuePair<string, AmfValue>>? properties = null,
        List<AmfValue>? items = null, short timeZone = 0)
    {
        Type = type;
        _number = number;
        _text = text;
        _properties = properties;
        _items = items;
        TimeZone = timeZone;
        ElementCount = 1;
    }

    public static AmfValue Null { get; } = new(AmfType.Null);

    public static AmfValue Undefined { get; } = new(AmfType.Undefined);

    public static AmfValue True { get; } = new(AmfType.Boolean, 1);

    public static AmfValue False { get; } = new(AmfType.Boolean, 0);

    /// <summary>The wire type (<see cref="AmfType.LongString"/> for decoded long strings, which otherwise behave as strings).</summary>
    public AmfType Type { get; }

    /// <summary>Number of values this one stands for (itself plus everything nested), used by the decoder limits.</summary>
    public int ElementCount { get; internal set; }

    /// <summary>For dates, the time zone field (minutes, usually 0).</summary>
    public short TimeZone { get; }

    public bool IsNullOrUndefined => Type is AmfType.Null or AmfType.Undefined;

    /// <summary>The number (also milliseconds since the epoch for dates); <c>null</c> for other types.</summary>
    public double? AsNumber => Type is AmfType.Number or AmfType.Date ? _number : null;

    public bool? AsBoolean => Type == AmfType.Boolean ? _number != 0 : null;

    /// <summary>The text of a string, long string or XML document; <c>null</c> for other types.</summary>
    public string? AsString => Type is AmfType.String or AmfType.LongString or AmfType.XmlDocument ? _text : null;

    /// <summary>The class name of a typed object.</summary>
    public string? ClassName => Type == AmfType.TypedObject ? _text : null;

    /// <summary>Properties of an object, ECMA array or typed object (empty otherwise).</summary>
    public IReadOnlyList<KeyValuePair<string, AmfValue>> Properties => _properties ?? s_noProperties;

    /// <summary>Items of a strict array (empty otherwise).</summary>
    public IReadOnlyList<AmfValue> Items => _items ?? s_noItems;

    /// <summary>The first property with this name, or <c>null</c>.</summary>
    public AmfValue? this[string name]
    {
        get
        {
            if (_properties is null)
            {
                return null;
            }

            foreach (var property in _properties)
            {
                if (property.Key == name)
                {
                    return property.Value;
                }
            }

            return null;
        }
    }

    public static AmfValue Number(double value) => new(AmfType.Number, value);

    public static AmfValue Boolean(bool value) => value ? True : False;

    public static AmfValue String(string value) => new(AmfType.String, text: value ?? throw new ArgumentNullException(nameof(value)));

    public static AmfValue Date(double millisecondsSinceEpoch, short timeZone = 0) => new(AmfType.Date, millisecondsSinceEpoch, timeZone: timeZone);

    public static AmfValue XmlDocument(string value) => new(AmfType.XmlDocument, text: value ?? throw new ArgumentNullException(nameof(value)));

    public static AmfValue Object(params ReadOnlySpan<KeyValuePair<string, AmfValue>> properties) => Complex(AmfType.Object, null, [.. properties]);

    public static AmfValue ObjectFrom(IEnumerable<KeyValuePair<string, AmfValue>> properties) => Complex(AmfType.Object, null, [.. properties]);

    public static AmfValue EcmaArray(params ReadOnlySpan<KeyValuePair<string, AmfValue>> properties) => Complex(AmfType.EcmaArray, null, [.. properties]);

    public static AmfValue EcmaArrayFrom(IEnumerable<KeyValuePair<string, AmfValue>> properties) => Complex(AmfType.EcmaArray, null, [.. properties]);

    public static AmfValue TypedObject(string className, params ReadOnlySpan<KeyValuePair<string, AmfValue>> properties) =>
        Complex(AmfType.TypedObject, className ?? throw new ArgumentNullException(nameof(className)), [.. properties]);

    public static AmfValue StrictArray(params ReadOnlySpan<AmfValue> items) => StrictArrayFrom(items.ToArray());

    public static AmfValue StrictArrayFrom(IEnumerable<AmfValue> items)
    {
        var list = items.ToList();
        return new AmfValue(AmfType.StrictArray, items: list) { ElementCount = 1 + list.Sum(i => i.ElementCount) };
    }

    /// <summary>A name/value pair for building objects.</summary>
    public static KeyValuePair<string, AmfValue> Property(string name, AmfValue value) => new(name, value);

    public static implicit operator AmfValue(double value) => Number(value);

    public static implicit operator AmfValue(string value) => String(value);

    public static implicit operator AmfValue(bool value) => Boolean(value);

    /// <summary>A property's string value, or <c>null</c> when missing or not a string.</summary>
    public string? GetString(string name) => this[name]?.AsString;

    /// <summary>A property's number value, or <c>null</c> when missing or not a number.</summary>
    public double? GetNumber(string name) => this[name]?.AsNumber;

    /// <summary>A short, bounded rendering for diagnostics (never the whole of a large value).</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        Append(builder, this, 0);
        return builder.ToString();
    }

    internal static AmfValue CreateForDecoder(AmfType type, string? className) =>
        type == AmfType.StrictArray ? new AmfValue(type, items: []) : new AmfValue(type, text: className, properties: []);

    internal static AmfValue CreateLongString(string value) => new(AmfType.LongString, text: value);

    internal void AddProperty(string name, AmfValue value) => _properties!.Add(new(name, value));

    internal void AddItem(AmfValue value) => _items!.Add(value);

    private static AmfValue Complex(AmfType type, string? className, List<KeyValuePair<string, AmfValue>> properties) =>
        new(type, text: className, properties: properties) { ElementCount = 1 + properties.Sum(p => p.Value.ElementCount) };

    private static void Append(StringBuilder builder, AmfValue value, int depth)
    {
        if (builder.Length > 512 || depth > 4)
        {
            builder.Append('…');
            return;
        }

        switch (value.Type)
        {
            case AmfType.Number:
            case AmfType.Date:
                builder.Append(value._number.ToString(CultureInfo.InvariantCulture));
                break;
            case AmfType.Boolean:
                builder.Append(value._number != 0 ? "true" : "false");
                break;
            case AmfType.String:
            case AmfType.LongString:
            case AmfType.XmlDocument:
                builder.Append('"').Append(value._text!.Length > 64 ? value._text[..64] + "…" : value._text).Append('"');
                break;
            case AmfType.StrictArray:
                builder.Append('[');
                foreach (var item in value.Items)
                {
                    if (builder.Length > 512)
                    {
                        builder.Append('…');
                        break;
                    }

                    Append(builder, item, depth + 1);
                    builder.Append(',');
                }

                builder.Append(']');
                break;
            case AmfType.Object:
            case AmfType.EcmaArray:
            case AmfType.TypedObject:
                builder.Append('{');
                foreach (var property in value.Properties)
                {
                    if (builder.Length > 512)
                    {
                        builder.Append('…');
                        break;
                    }

                    builder.Append(property.Key).Append(':');
                    Append(builder, property.Value, depth + 1);
                    builder.Append(',');
                }

                builder.Append('}');
                break;
            default:
                builder.Append(value.Type == AmfType.Null ? "null" : "undefined");
                break;
        }
    }
}
