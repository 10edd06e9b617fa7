using System.Globalization;
using System.Net;

namespace OpenIvs.Server.Resources;

/// <summary>Composes a channel's ingest endpoint, playback URL and SRT endpoint from the public names.</summary>
public sealed class EndpointNames
{
    private readonly string _ingestHost;
    private readonly int _rtmpsPort;
    private readonly int _rtmpPort;
    private readonly string _playbackBase;
    private readonly string _srtHost;
    private readonly int _srtPort;
    private readonly string _region;
    private readonly string _account;

    /// <summary>Names from the public settings; what they leave empty comes from the listeners' addresses.</summary>
    public EndpointNames(ServiceAccount account, PublicEndpointOptions pub, IPEndPoint http, IPEndPoint rtmp, IPEndPoint rtmps, IPEndPoint? srt, IPEndPoint? https = null)
    {
        _region = account.Region;
        _account = account.AccountId;
        _ingestHost = pub.IngestHost.Length > 0 ? pub.IngestHost : HostOf(rtmps.Address);
        _rtmpsPort = pub.RtmpsPort > 0 ? pub.RtmpsPort : rtmps.Port;
        _rtmpPort = pub.RtmpPort > 0 ? pub.RtmpPort : rtmp.Port;

        // With an HTTPS listener, playback URLs use it (IVS's are HTTPS only).
        var (scheme, playback) = https is not null ? ("https", https) : ("http", http);
        _playbackBase = (pub.PlaybackBaseUrl.Length > 0
            ? pub.PlaybackBaseUrl
            : $"{scheme}://{HostOf(playback.Address)}:{playback.Port.ToString(CultureInfo.InvariantCulture)}").TrimEnd('/');
        _srtHost = pub.SrtHost.Length > 0 ? pub.SrtHost : _ingestHost;
        _srtPort = pub.SrtPort > 0 ? pub.SrtPort : srt?.Port ?? 9000;
    }

    /// <summary>The ingest host name without a channel prefix (for the RTMPS certificate).</summary>
    public string IngestHostName => _ingestHost.Replace("{prefix}.", string.Empty, StringComparison.Ordinal).Replace("{prefix}", string.Empty, StringComparison.Ordinal);

    /// <summary>IVS's ingestEndpoint is a bare host name (RTMPS on 443); on another port we add <c>:port</c>.</summary>
    public string IngestEndpoint(string prefix) => WithPort(Expand(_ingestHost, prefix), _rtmpsPort, 443);

    public string PlaybackPath(string channelId) =>
        $"/api/video/v1/{_region}.{_account}.channel.{channelId}.m3u8";

    public string PlaybackUrl(string prefix, string channelId) => Expand(_playbackBase, prefix) + PlaybackPath(channelId);

    public string SrtEndpoint(string prefix) => WithPort(Expand(_srtHost, prefix), _srtPort, 9000);

    /// <summary>The RTMPS publish URL base, <c>rtmps://host:port/app/</c>.</summary>
    public string RtmpsUrl(string prefix) => $"rtmps://{Expand(_ingestHost, prefix)}:{_rtmpsPort.ToString(CultureInfo.InvariantCulture)}/app/";

    /// <summary>The plain RTMP publish URL base, <c>rtmp://host:port/app/</c>.</summary>
    public string RtmpUrl(string prefix) => $"rtmp://{Expand(_ingestHost, prefix)}:{_rtmpPort.ToString(CultureInfo.InvariantCulture)}/app/";

    private static string Expand(string template, string prefix) => template.Replace("{prefix}", prefix, StringComparison.Ordinal);

    private static string WithPort(string host, int port, int defaultPort) =>
        port == defaultPort ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";

    private static string HostOf(System.Net.IPAddress address)
    {
        if (address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any))
        {
            return "127.0.0.1";
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }
}
