using System.Net;
using System.Text.RegularExpressions;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// Settings of <c>openivs serve</c>, from (highest first) the command line, <c>OPENIVS_*</c> environment
/// variables, a JSON config file, and these defaults. Checked at start (<see cref="Validate"/>).
/// </summary>
public sealed partial class OpenIvsOptions
{
    /// <summary>Where the database, credentials and certificates live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>API and playback listener, <c>HOST:PORT</c>.</summary>
    public string Http { get; set; } = "127.0.0.1:8080";

    /// <summary>Plain RTMP ingest listener (only channels with insecureIngest accept it).</summary>
    public string Rtmp { get; set; } = "127.0.0.1:1935";

    /// <summary>RTMPS (TLS) ingest listener.</summary>
    public string Rtmps { get; set; } = "127.0.0.1:4443";

    /// <summary>SRT ingest listener (UDP), <c>HOST:PORT</c>, or <c>off</c>.</summary>
    public string Srt { get; set; } = "127.0.0.1:9000";

    /// <summary>PEM certificate (chain) for RTMPS; empty: a self-signed one is generated into the data directory.</summary>
    public string RtmpsCertificate { get; set; } = string.Empty;

    /// <summary>PEM private key of <see cref="RtmpsCertificate"/> (when not in the same file).</summary>
    public string RtmpsCertificateKey { get; set; } = string.Empty;

    public string Region { get; set; } = "us-west-2";

    public string AccountId { get; set; } = "000000000000";

    /// <summary>How the service names itself in URLs it hands out (ingest endpoint, playback URL, SRT).</summary>
    public PublicEndpointOptions Public { get; set; } = new();

    public QuotaOptions Quotas { get; set; } = new();

    public IngestOptions Ingest { get; set; } = new();

    public PlaybackOptions Playback { get; set; } = new();

    /// <summary>Delivery of IVS events (EventBridge, webhooks) and their retention.</summary>
    public EventOptions Events { get; set; } = new();

    public MonitoringOptions Monitoring { get; set; } = new();

    public ConsoleOptions Console { get; set; } = new();

    /// <summary>Auto-record to S3: destination, spool (docs/recording.md).</summary>
    public Recording.RecordingOptions Recording { get; set; } = new();

    public TranscodingOptions Transcoding { get; set; } = new();

    /// <summary>SQLite in the data directory, or PostgreSQL shared by several nodes (docs/postgres.md).</summary>
    public Storage.StorageOptions Storage { get; set; } = new();

    /// <summary>
    /// Lets <c>/_openivs/faults</c> inject errors into chosen operations (for testing clients' error
    /// handling). Off by default.
    /// </summary>
    public bool EnableFaultInjection { get; set; }

    /// <summary>
    /// <c>sigv4</c> (default): every API call must carry a valid AWS Signature Version 4 from a known key,
    /// and is authorized with IAM policies. <c>none</c>: no authentication at all (benchmarks, throwaway
    /// local use); the server logs a warning at start.
    /// </summary>
    public string Authentication { get; set; } = "sigv4";

    /// <summary>Opt-in API rate limits with IVS's per-operation TPS quotas (see docs/behavior.md).</summary>
    public bool EnableRateLimits { get; set; }

    public IPEndPoint HttpEndPoint => ParseEndPoint(Http, nameof(Http));

    public IPEndPoint RtmpEndPoint => ParseEndPoint(Rtmp, nameof(Rtmp));

    public IPEndPoint RtmpsEndPoint => ParseEndPoint(Rtmps, nameof(Rtmps));

    /// <summary>The SRT listener's address, or null when <see cref="Srt"/> is <c>off</c>.</summary>
    public IPEndPoint? SrtEndPoint => SrtIsOff ? null : ParseEndPoint(Srt, nameof(Srt));

    private bool SrtIsOff => string.Equals(Srt, "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws with every problem found, so a bad configuration stops the service at start.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        var listeners = new List<(string Name, string Value)> { (nameof(Http), Http), (nameof(Rtmp), Rtmp), (nameof(Rtmps), Rtmps) };
        if (!SrtIsOff)
        {
            listeners.Add((nameof(Srt), Srt));
        }

        foreach (var (name, value) in listeners)
        {
            if (!TryParseEndPoint(value, out _))
            {
                problems.Add($"{name} '{value}' is not HOST:PORT (an IP address and a port).");
            }
        }

        if (!RegionPattern().IsMatch(Region))
        {
            problems.Add($"Region '{Region}' is not a region name such as us-west-2.");
        }

        if (!AccountPattern().IsMatch(AccountId))
        {
            problems.Add($"AccountId '{AccountId}' must be 12 digits.");
        }

        if (Authentication is not ("sigv4" or "none"))
        {
            problems.Add($"Authentication '{Authentication}' must be sigv4 or none.");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add("DataDirectory must be set.");
        }

        problems.AddRange(Public.Validate());
        problems.AddRange(Quotas.Validate());
        problems.AddRange(Ingest.Validate());
        problems.AddRange(Playback.Validate());
        problems.AddRange(Events.Validate());
        problems.AddRange(Monitoring.Validate(Http));
        problems.AddRange(Console.Validate());
        problems.AddRange(Recording.Validate());
        problems.AddRange(Transcoding.Validate());
        problems.AddRange(Storage.Validate());
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration:\n  " + string.Join("\n  ", problems));
        }
    }

    public static bool TryParseEndPoint(string value, out IPEndPoint endPoint)
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

    private static IPEndPoint ParseEndPoint(string value, string name) =>
        TryParseEndPoint(value, out var endPoint) ? endPoint : throw new InvalidOperationException($"{name} '{value}' is not HOST:PORT.");

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}

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
