using System.Net;

namespace OpenIvs.Server.Resources;

/// <summary>The <c>HOST:PORT</c> form of listener settings: an IP address (or <c>localhost</c>) and a port other than 0.</summary>
public static class ListenAddress
{
    public static bool TryParse(string value, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            value = "127.0.0.1" + value["localhost".Length..];
        }

        if (IPEndPoint.TryParse(value, out var parsed) && parsed.Port != 0)
        {
            endPoint = parsed;
            return true;
        }

        return false;
    }

    public static IPEndPoint Parse(string value, string name) =>
        TryParse(value, out var endPoint) ? endPoint : throw new InvalidOperationException($"{name} '{value}' is not HOST:PORT.");
}
