using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenIvs.Protocol.Serialization;

/// <summary>
/// Smithy <c>date-time</c> timestamps: RFC 3339 in UTC with millisecond precision on output
/// (<c>2024-01-01T10:23:43.120Z</c>); any RFC 3339 form with an offset on input.
/// </summary>
public sealed class DateTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected an RFC 3339 date-time string, found {reader.TokenType}.");
        }

        var text = reader.GetString()!;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            || text.Length < 20 || text[10] is not ('T' or 't'))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 date-time.");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        value.UtcDateTime.TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
