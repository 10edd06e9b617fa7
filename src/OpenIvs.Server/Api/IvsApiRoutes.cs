namespace OpenIvs.Server.Api;

public static partial class IvsApiRoutes
{
    /// <summary>
    /// Finds the operation for a request. <paramref name="rawPath"/> is the path exactly as sent (still
    /// percent-encoded), so that an encoded <c>/</c> inside a label is not mistaken for a separator.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="rawPath">The request path before decoding, without the query.</param>
    /// <param name="label">The decoded URI label, for template routes.</param>
    /// <param name="pathMatched">True when the path names an operation, even if the method does not match.</param>
    public static IvsRoute? Find(string method, string rawPath, out string? label, out bool pathMatched)
    {
        label = null;
        if (LiteralRoutes.TryGetValue(rawPath, out var route))
        {
            pathMatched = true;
            return string.Equals(route.Method, method, StringComparison.Ordinal) ? route : null;
        }

        pathMatched = false;
        foreach (var template in TemplateRoutes)
        {
            if (!rawPath.StartsWith(template.Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var encoded = rawPath[template.Prefix.Length..];
            if (encoded.Length == 0 || encoded.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            pathMatched = true;
            if (string.Equals(template.Route.Method, method, StringComparison.Ordinal))
            {
                label = Uri.UnescapeDataString(encoded);
                return template.Route;
            }
        }

        return null;
    }

    /// <summary>Every route, for documentation and tests.</summary>
    public static IEnumerable<IvsRoute> All =>
        LiteralRoutes.Values.Concat(TemplateRoutes.Select(t => t.Route)).OrderBy(r => r.Operation.Name, StringComparer.Ordinal);
}
