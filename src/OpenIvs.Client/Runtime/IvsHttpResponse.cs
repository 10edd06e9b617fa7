using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OpenIvs.Client.Runtime;

/// <summary>A received response as the generated bindings read it: status, headers and the whole body.</summary>
internal readonly struct IvsHttpResponse(int statusCode, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, byte[] body)
{
    public int StatusCode { get; } = statusCode;

    public byte[] Body { get; } = body;

    /// <summary>The JSON body as <typeparamref name="T"/>; an empty body reads as an empty structure.</summary>
    public T ReadJson<T>(JsonTypeInfo<T> typeInfo)
        where T : class, new()
    {
        if (Body.Length == 0)
        {
            return new T();
        }

        return JsonSerializer.Deserialize(Body, typeInfo) ?? new T();
    }

    /// <summary>A header's value (repeated headers joined with ", "), or null.</summary>
    public string? Header(string name)
    {
        if (headers.TryGetValues(name, out var values) || (contentHeaders is not null && contentHeaders.TryGetValues(name, out values)))
        {
            return string.Join(", ", values);
        }

        return null;
    }
}
