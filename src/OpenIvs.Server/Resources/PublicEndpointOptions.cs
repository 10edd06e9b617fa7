namespace OpenIvs.Server.Resources;

/// <summary>
/// Public names of the service. Host names may contain <c>{prefix}</c>, replaced by a channel's
/// 12-hex endpoint prefix (as IVS's <c>71f7fb9559d6.global-contribute.live-video.net</c>), for
/// deployments with wildcard DNS. Empty values are derived from the listeners.
/// </summary>
public sealed class PublicEndpointOptions
{
    /// <summary>Host name in <c>ingestEndpoint</c> (default: the RTMPS listener's address).</summary>
    public string IngestHost { get; set; } = string.Empty;

    /// <summary>Port clients use for RTMPS (default: the listener's). 443 is left out of ingestEndpoint, as in IVS.</summary>
    public int RtmpsPort { get; set; }

    /// <summary>Port clients use for plain RTMP (default: the listener's).</summary>
    public int RtmpPort { get; set; }

    /// <summary>Scheme, host and port of playback URLs (default: <c>http://</c> and the HTTP listener).</summary>
    public string PlaybackBaseUrl { get; set; } = string.Empty;

    /// <summary>Host name of the SRT endpoint (default: the ingest host).</summary>
    public string SrtHost { get; set; } = string.Empty;

    /// <summary>Port clients use for SRT (default: the listener's). 9000 is left out of srt.endpoint, as in IVS.</summary>
    public int SrtPort { get; set; }

    public IEnumerable<string> Validate()
    {
        if (RtmpsPort is < 0 or > 65535 || RtmpPort is < 0 or > 65535 || SrtPort is < 0 or > 65535)
        {
            yield return "Public ports must be between 1 and 65535.";
        }

        if (PlaybackBaseUrl.Length > 0
            && (!Uri.TryCreate(PlaybackBaseUrl.Replace("{prefix}", "p", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/"))
        {
            yield return $"Public.PlaybackBaseUrl '{PlaybackBaseUrl}' must be an http(s) URL without a path.";
        }
    }
}
