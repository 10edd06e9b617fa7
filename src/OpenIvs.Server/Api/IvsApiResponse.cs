using System.Text.Json.Serialization.Metadata;

namespace OpenIvs.Server.Api;

/// <summary>What an operation answers: a status, an optional JSON body, and header-bound members.</summary>
public sealed class IvsApiResponse
{
    private IvsApiResponse(int statusCode, object? body, JsonTypeInfo? bodyType)
    {
        StatusCode = statusCode;
        Body = body;
        BodyType = bodyType;
    }

    public int StatusCode { get; }

    public object? Body { get; }

    public JsonTypeInfo? BodyType { get; }

    public List<KeyValuePair<string, string>>? Headers { get; private set; }

    public static IvsApiResponse Json<T>(int statusCode, T body, JsonTypeInfo<T> bodyType)
        where T : class => new(statusCode, body, bodyType);

    public static IvsApiResponse Empty(int statusCode) => new(statusCode, null, null);

    /// <summary>Adds a header for an output member bound to one; absent members add nothing.</summary>
    public void AddHeader(string name, string? value)
    {
        if (value is not null)
        {
            (Headers ??= []).Add(new(name, value));
        }
    }
}
