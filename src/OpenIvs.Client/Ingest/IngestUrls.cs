using System.Globalization;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Ingest;

/// <summary>
/// The URLs a broadcaster publishes to, composed from a channel and its stream key as IVS documents them:
/// RTMPS <c>rtmps://{ingestEndpoint}:443/app/{streamKey}</c>, RTMP <c>rtmp://{ingestEndpoint}:1935/app/{streamKey}</c>
/// (accepted only when the channel has <c>insecureIngest</c>), and SRT
/// <c>srt://{srt.endpoint}:9000?streamid={streamKey}&amp;passphrase={srt.passphrase}</c> (no passphrase with
/// <c>insecureIngest</c>). An endpoint that already names a port (OpenIVS on a non-standard port) keeps it.
/// The URLs carry the stream key, a secret: <see cref="ToString"/> leaves it out.
/// </summary>
public sealed class IngestUrls
{
    /// <summary>The RTMPS port IVS uses when the ingest endpoint names none.</summary>
    public const int DefaultRtmpsPort = 443;

    /// <summary>The RTMP port used when the ingest endpoint names none and no other is given.</summary>
    public const int DefaultRtmpPort = 1935;

    /// <summary>The SRT port IVS uses when the SRT endpoint names none.</summary>
    public const int DefaultSrtPort = 9000;

    private IngestUrls(string rtmpsServer, string rtmpServer, string streamKey, string? srt)
    {
        RtmpsServer = rtmpsServer;
        RtmpServer = rtmpServer;
        StreamKey = streamKey;
        Srt = srt;
    }

    /// <summary>The RTMPS server, <c>rtmps://host:port/app/</c> (what OBS calls "Server").</summary>
    public string RtmpsServer { get; }

    /// <summary>The plain RTMP server, <c>rtmp://host:port/app/</c>.</summary>
    public string RtmpServer { get; }

    /// <summary>The stream key (what OBS calls "Stream Key").</summary>
    public string StreamKey { get; }

    /// <summary>The full RTMPS publish URL.</summary>
    public string Rtmps => RtmpsServer + StreamKey;

    /// <summary>The full RTMP publish URL.</summary>
    public string Rtmp => RtmpServer + StreamKey;

    /// <summary>The SRT URL, or null when the channel has no SRT endpoint.</summary>
    public string? Srt { get; }

    /// <summary>Composes the URLs of <paramref name="channel"/> for <paramref name="streamKey"/>.</summary>
    /// <param name="channel">The channel (from CreateChannel or GetChannel), with its ingest endpoint.</param>
    /// <param name="streamKey">The channel's stream key (from CreateChannel, CreateStreamKey or GetStreamKey), with its value.</param>
    /// <returns>The URLs.</returns>
    /// <exception cref="ArgumentException">The channel has no ingest endpoint or the key no value.</exception>
    public static IngestUrls Create(Channel channel, StreamKey streamKey) => Create(channel, ValueOf(streamKey), null);

    /// <summary>Composes the URLs of <paramref name="channel"/> for <paramref name="streamKey"/>, with plain RTMP on <paramref name="rtmpPort"/>.</summary>
    /// <param name="channel">The channel, with its ingest endpoint.</param>
    /// <param name="streamKey">The channel's stream key, with its value.</param>
    /// <param name="rtmpPort">The RTMP port (OpenIVS names its own; IVS uses 1935).</param>
    /// <returns>The URLs.</returns>
    /// <exception cref="ArgumentException">The channel has no ingest endpoint or the key no value.</exception>
    public static IngestUrls Create(Channel channel, StreamKey streamKey, int rtmpPort) => Create(channel, ValueOf(streamKey), rtmpPort);

    /// <summary>Composes the URLs of <paramref name="channel"/> for the stream key value <paramref name="streamKey"/>.</summary>
    /// <param name="channel">The channel, with its ingest endpoint.</param>
    /// <param name="streamKey">The stream key's value, <c>sk_...</c>.</param>
    /// <returns>The URLs.</returns>
    /// <exception cref="ArgumentException">The channel has no ingest endpoint or the key is empty.</exception>
    public static IngestUrls Create(Channel channel, string streamKey) => Create(channel, streamKey, null);

    /// <summary>Composes the URLs of <paramref name="channel"/> for the stream key value <paramref name="streamKey"/>, with plain RTMP on <paramref name="rtmpPort"/>.</summary>
    /// <param name="channel">The channel, with its ingest endpoint.</param>
    /// <param name="streamKey">The stream key's value, <c>sk_...</c>.</param>
    /// <param name="rtmpPort">The RTMP port (OpenIVS names its own; IVS uses 1935).</param>
    /// <returns>The URLs.</returns>
    /// <exception cref="ArgumentException">The channel has no ingest endpoint or the key is empty.</exception>
    public static IngestUrls Create(Channel channel, string streamKey, int rtmpPort) => Create(channel, streamKey, (int?)rtmpPort);

    private static string ValueOf(StreamKey streamKey)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        return streamKey.Value ?? throw new ArgumentException("The stream key has no value (list operations leave it out; use GetStreamKey).", nameof(streamKey));
    }

    private static IngestUrls Create(Channel channel, string streamKey, int? rtmpPort)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamKey);
        if (string.IsNullOrWhiteSpace(channel.IngestEndpoint))
        {
            throw new ArgumentException("The channel has no ingestEndpoint.", nameof(channel));
        }

        if (rtmpPort is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(rtmpPort), rtmpPort, "A port is between 1 and 65535.");
        }

        var (host, port) = SplitHostPort(channel.IngestEndpoint.Trim());
        var rtmps = $"rtmps://{host}:{Format(port ?? DefaultRtmpsPort)}/app/";
        var rtmp = $"rtmp://{host}:{Format(rtmpPort ?? DefaultRtmpPort)}/app/";
        string? srt = null;
        if (channel.Srt?.Endpoint is { Length: > 0 } srtEndpoint)
        {
            var (srtHost, srtPort) = SplitHostPort(srtEndpoint.Trim());
            srt = $"srt://{srtHost}:{Format(srtPort ?? DefaultSrtPort)}?streamid={Uri.EscapeDataString(streamKey)}";
            if (channel.InsecureIngest != true && channel.Srt.Passphrase is { Length: > 0 } passphrase)
            {
                srt += "&passphrase=" + Uri.EscapeDataString(passphrase);
            }
        }

        return new IngestUrls(rtmps, rtmp, streamKey, srt);
    }

    /// <summary>The servers, without the stream key or SRT passphrase.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString() =>
        $"IngestUrls {{ RtmpsServer = {RtmpsServer}, RtmpServer = {RtmpServer}, StreamKey = (redacted), Srt = {(Srt is null ? "none" : Srt[..Srt.IndexOf('?', StringComparison.Ordinal)] + "?(redacted)")} }}";

    /// <summary><c>host</c>, <c>host:port</c>, <c>[v6]</c> or <c>[v6]:port</c>.</summary>
    private static (string Host, int? Port) SplitHostPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        var closeBracket = endpoint.LastIndexOf(']');
        if (colon > closeBracket && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (endpoint[..colon], port);
        }

        return (endpoint, null);
    }

    private static string Format(int port) => port.ToString(CultureInfo.InvariantCulture);
}
