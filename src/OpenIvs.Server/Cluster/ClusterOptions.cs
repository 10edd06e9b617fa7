using System.Net;
using System.Text.RegularExpressions;

namespace OpenIvs.Server.Cluster;

/// <summary>How this node presents itself to the other nodes of a cluster on one PostgreSQL database (docs/cluster.md).</summary>
public sealed partial class ClusterOptions
{
    /// <summary>This node's id, unique in the cluster (default: the host name). Read once into <see cref="Storage.NodeIdentity"/>, which everything else uses.</summary>
    public string NodeId { get; set; } = DefaultNodeId();

    /// <summary>How other nodes reach this node's HTTP(S) (scheme://host:port); empty: derived from the HTTP listener.</summary>
    public string AdvertiseUrl { get; set; } = string.Empty;

    /// <summary>
    /// How long a node's lease lasts without a heartbeat (default 10 s; renewed about every quarter of it). When it
    /// expires the node's streams end and their channels may go live on another node.
    /// </summary>
    public TimeSpan NodeLease { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan HeartbeatInterval => NodeLease / 4;

    /// <summary>
    /// How long a dead node's row (<c>cluster_nodes</c>) is kept after its lease ended (default one day), so that a
    /// cluster whose nodes come and go under new ids does not grow the table forever. A node whose sessions are not
    /// closed yet, or that still has a live slot, is kept whatever its age.
    /// </summary>
    public TimeSpan DeadNodeRetention { get; set; } = TimeSpan.FromDays(1);

    public IEnumerable<string> Validate()
    {
        if (!NodeIdPattern().IsMatch(NodeId))
        {
            yield return $"Cluster.NodeId '{NodeId}' must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'.";
        }

        if (AdvertiseUrl.Length > 0
            && (!Uri.TryCreate(AdvertiseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.PathAndQuery != "/"))
        {
            yield return $"Cluster.AdvertiseUrl '{AdvertiseUrl}' must be an http:// or https:// URL without a path, e.g. http://10.0.0.2:8080.";
        }

        if (NodeLease < TimeSpan.FromSeconds(2) || NodeLease > TimeSpan.FromMinutes(10))
        {
            yield return $"Cluster.NodeLease {NodeLease} must be between 00:00:02 and 00:10:00.";
        }

        if (DeadNodeRetention < TimeSpan.FromMinutes(1) || DeadNodeRetention > TimeSpan.FromDays(3650))
        {
            yield return $"Cluster.DeadNodeRetention {DeadNodeRetention} must be between 00:01:00 and 3650.00:00:00.";
        }
    }

    /// <summary>The advertised URL: the configured one, or the HTTP listener's address (the host name when it listens on every address).</summary>
    public Uri ResolveAdvertiseUrl(IPEndPoint http)
    {
        if (AdvertiseUrl.Length > 0)
        {
            return new Uri(AdvertiseUrl);
        }

        var host = http.Address.Equals(IPAddress.Any) || http.Address.Equals(IPAddress.IPv6Any)
            ? Environment.MachineName
            : http.Address.ToString();
        return new UriBuilder(Uri.UriSchemeHttp, host, http.Port).Uri;
    }

    /// <summary>The host name, with characters a node id may not hold replaced.</summary>
    private static string DefaultNodeId()
    {
        var name = InvalidCharacter().Replace(Environment.MachineName, "-");
        return name.Length == 0 ? "node" : name[..Math.Min(name.Length, 64)];
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NodeIdPattern();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex InvalidCharacter();
}
