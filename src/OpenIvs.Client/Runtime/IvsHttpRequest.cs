using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OpenIvs.Client.Runtime;

/// <summary>
/// An operation's request as the generated bindings describe it, before signing: method, wire path
/// (labels already percent-encoded), query, extra headers and the JSON body. Built once per call and
/// turned into a fresh signed <see cref="HttpRequestMessage"/> for each attempt.
/// </summary>
internal sealed class IvsHttpRequest(string method)
{
    private StringBuilder? _query;

    public string Method { get; } = method;

    /// <summary>The path as sent, e.g. <c>/tags/arn%3Aaws%3Aivs%3A...</c>.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The encoded query without '?', or null.</summary>
    public string? Query => _query?.ToString();

    /// <summary>The JSON body, or null when the operation's input has no body members.</summary>
    public byte[]? Body { get; private set; }

    public List<KeyValuePair<string, string>>? Headers { get; private set; }

    /// <summary>A URI label: the value percent-encoded as one path segment (RFC 3986 unreserved kept).</summary>
    public static string Label(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"The URI label '{name}' must be set to a non-empty value.", name);
        }

        return Uri.EscapeDataString(value);
    }

    public void AddQuery(string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        _query ??= new StringBuilder();
        if (_query.Length > 0)
        {
            _query.Append('&');
        }

        _query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
    }

    public void AddQuery(string name, IEnumerable<string>? values)
    {
        if (values is null)
        {
            return;
        }

        foreach (var value in values)
        {
            AddQuery(name, value);
        }
    }

    public void AddHeader(string name, string? value)
    {
        if (value is not null)
        {
            (Headers ??= []).Add(new(name, value));
        }
    }

    public void SetBody(byte[] body) => Body = body;

    public void SetJsonBody<T>(T value, JsonTypeInfo<T> typeInfo) => Body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
