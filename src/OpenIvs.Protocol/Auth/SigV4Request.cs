namespace OpenIvs.Protocol.Auth;

/// <summary>An incoming request as SigV4 verification sees it: everything exactly as it was sent.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="WirePath">The path as sent (still percent-encoded), without the query.</param>
/// <param name="RawQuery">The query as sent, without '?', or null.</param>
/// <param name="Headers">Every header (name, value); a repeated header appears once per value.</param>
/// <param name="Body">The request body.</param>
internal sealed record SigV4Request(
    string Method,
    string WirePath,
    string? RawQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body)
{
    public string? Header(string name)
    {
        string? found = null;
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                found = found is null ? value : found + "," + value;
            }
        }

        return found;
    }

    public string? QueryValue(string name)
    {
        if (string.IsNullOrEmpty(RawQuery))
        {
            return null;
        }

        foreach (var part in RawQuery.Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            if (key == name)
            {
                return equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..]);
            }
        }

        return null;
    }
}
