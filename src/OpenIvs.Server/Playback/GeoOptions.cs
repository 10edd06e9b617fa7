using System.Net;

namespace OpenIvs.Server.Playback;

/// <summary>
/// Where a viewer's country comes from, for the <c>allowedCountries</c> of playback restriction policies
/// (docs/behavior.md, Country restrictions): a MaxMind-format database, or a header set by a CDN or proxy in
/// front of OpenIVS. Without either, channels whose policy lists countries refuse every viewer.
/// </summary>
public sealed class GeoOptions
{
    /// <summary>A MaxMind DB file (GeoLite2/GeoIP2 Country or City, or any database with <c>country.iso_code</c>).</summary>
    public string GeoIpDatabase { get; set; } = string.Empty;

    /// <summary>A header holding the viewer's ISO country code (e.g. <c>CloudFront-Viewer-Country</c>), read only from <see cref="TrustedProxies"/>.</summary>
    public string TrustedCountryHeader { get; set; } = string.Empty;

    /// <summary>
    /// Comma-separated addresses or CIDR networks of the proxies in front of OpenIVS: only requests from them may
    /// name the viewer's country (<see cref="TrustedCountryHeader"/>) or address (<c>X-Forwarded-For</c>).
    /// </summary>
    public string TrustedProxies { get; set; } = string.Empty;

    public IEnumerable<string> Validate()
    {
        if (GeoIpDatabase.Length > 0 && !File.Exists(GeoIpDatabase))
        {
            yield return $"Geo.GeoIpDatabase '{GeoIpDatabase}' does not exist.";
        }

        if (TrustedCountryHeader.Length > 0 && (TrustedCountryHeader.Any(c => c <= ' ' || c >= 127 || c == ':')))
        {
            yield return $"Geo.TrustedCountryHeader '{TrustedCountryHeader}' is not a header name.";
        }

        if (!TryParseNetworks(TrustedProxies, out _, out var bad))
        {
            yield return $"Geo.TrustedProxies: '{bad}' is not an IP address or a CIDR network such as 10.0.0.0/8.";
        }
        else if (TrustedCountryHeader.Length > 0 && TrustedProxies.Trim().Length == 0)
        {
            yield return "Geo.TrustedCountryHeader needs Geo.TrustedProxies (the proxies allowed to set it).";
        }
    }

    /// <summary>Parses <paramref name="value"/> (<c>10.0.0.1, 192.168.0.0/16, ::1</c>); single addresses are /32 or /128.</summary>
    public static bool TryParseNetworks(string value, out IReadOnlyList<IPNetwork> networks, out string? bad)
    {
        var list = new List<IPNetwork>();
        networks = list;
        bad = null;
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPAddress.TryParse(item, out var address) && !item.Contains('/'))
            {
                address = Normalize(address);
                list.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (IPNetwork.TryParse(item, out var network))
            {
                list.Add(network);
            }
            else
            {
                bad = item;
                return false;
            }
        }

        return true;
    }

    /// <summary>IPv4 clients of a dual-stack listener appear as <c>::ffff:a.b.c.d</c>: compare and look them up as IPv4.</summary>
    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
