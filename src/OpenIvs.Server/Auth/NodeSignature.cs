using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenIvs.Server.Auth;

/// <summary>
/// Signs and checks requests between the nodes of one cluster (relayed playback, actions passed to the node
/// holding a stream). The key is derived from <c>master.key</c>, which every node of a cluster shares, so no
/// extra secret has to be distributed. The header <see cref="HeaderName"/> carries
/// <c>{nodeId}:{unixSeconds}:{base64url HMAC-SHA256 of "nodeId\nMETHOD\npath?query\nunixSeconds"}</c>; a signature is
/// good for <see cref="Validity"/> either way of the receiver's clock.
/// </summary>
public sealed class NodeSignature
{
    public const string HeaderName = "X-OpenIvs-Node";

    public static readonly TimeSpan Validity = TimeSpan.FromMinutes(2);

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public NodeSignature(byte[] clusterKey, string nodeId, TimeProvider time)
    {
        _key = clusterKey;
        NodeId = nodeId;
        _time = time;
    }

    public string NodeId { get; }

    /// <summary>The header value for a request this node sends.</summary>
    public string Sign(string method, string pathAndQuery)
    {
        var seconds = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{NodeId}:{seconds}:{Mac(NodeId, method, pathAndQuery, seconds)}";
    }

    /// <summary>The signing node's id when <paramref name="header"/> is a good signature of this request; otherwise null.</summary>
    public string? Verify(string? header, string method, string pathAndQuery)
    {
        if (header is null)
        {
            return null;
        }

        var last = header.LastIndexOf(':');
        var middle = last > 0 ? header.LastIndexOf(':', last - 1) : -1;
        if (middle <= 0 || !long.TryParse(header.AsSpan(middle + 1, last - middle - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age.Duration() > Validity)
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(header[..middle], method, pathAndQuery, header[(middle + 1)..last]));
        var given = Encoding.ASCII.GetBytes(header[(last + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? header[..middle] : null;
    }

    private string Mac(string nodeId, string method, string pathAndQuery, string seconds)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(nodeId + "\n" + method.ToUpperInvariant() + "\n" + pathAndQuery + "\n" + seconds));
        return Base64Url.EncodeToString(mac);
    }
}
