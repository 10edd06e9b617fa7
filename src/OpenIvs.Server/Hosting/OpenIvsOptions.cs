using System.Net;
using System.Text.RegularExpressions;
using OpenIvs.Server.Events;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Telemetry;
using OpenIvs.Server.Transcoding;
using OpenIvs.Server.WebConsole;

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

    /// <summary>HTTPS listener for the API, playback and console, and its certificate file.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>The viewer's country for playback restriction policies (GeoIP database, trusted CDN header).</summary>
    public Playback.GeoOptions Geo { get; set; } = new();

    /// <summary>Delivery of IVS events (EventBridge, webhooks) and their retention.</summary>
    public EventOptions Events { get; set; } = new();

    public MonitoringOptions Monitoring { get; set; } = new();

    public ConsoleOptions Console { get; set; } = new();

    /// <summary>Auto-record to S3: destination, spool (docs/recording.md).</summary>
    public Recording.RecordingOptions Recording { get; set; } = new();

    public TranscodingOptions Transcoding { get; set; } = new();

    /// <summary>SQLite in the data directory, or PostgreSQL shared by several nodes (docs/postgres.md).</summary>
    public Storage.StorageOptions Storage { get; set; } = new();

    /// <summary>This node in a cluster on one PostgreSQL database: its id, advertised URL and lease (docs/cluster.md).</summary>
    public Cluster.ClusterOptions Cluster { get; set; } = new();

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
    public string Authentication { get; set; } = Auth.AuthenticationMode.SigV4;

    /// <summary>Opt-in API rate limits with IVS's per-operation TPS quotas (see docs/behavior.md).</summary>
    public bool EnableRateLimits { get; set; }

    public IPEndPoint HttpEndPoint => ParseEndPoint(Http, nameof(Http));

    public IPEndPoint RtmpEndPoint => ParseEndPoint(Rtmp, nameof(Rtmp));

    public IPEndPoint RtmpsEndPoint => ParseEndPoint(Rtmps, nameof(Rtmps));

    /// <summary>The SRT listener's address, or null when <see cref="Srt"/> is <c>off</c>.</summary>
    public IPEndPoint? SrtEndPoint => SrtIsOff ? null : ParseEndPoint(Srt, nameof(Srt));

    /// <summary>The HTTPS listener, or null without one.</summary>
    public IPEndPoint? HttpsEndPoint => Tls.Enabled ? ParseEndPoint(Tls.Https, "Tls.Https") : null;

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
            if (!ListenAddress.TryParse(value, out _))
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

        if (Authentication is not (Auth.AuthenticationMode.SigV4 or Auth.AuthenticationMode.None))
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
        problems.AddRange(Geo.Validate());
        problems.AddRange(Tls.Validate());
        problems.AddRange(Events.Validate());
        problems.AddRange(Monitoring.Validate(Http));
        problems.AddRange(Console.Validate());
        problems.AddRange(Recording.Validate());
        problems.AddRange(Transcoding.Validate());
        problems.AddRange(Storage.Validate());
        problems.AddRange(Cluster.Validate());
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration:\n  " + string.Join("\n  ", problems));
        }
    }

    /// <summary>The region and account every room presents.</summary>
    public ServiceAccount Account => new(Region, AccountId);

    /// <summary>The public names of channels' endpoints, from <see cref="Public"/> and the listeners.</summary>
    public EndpointNames CreateEndpointNames() => new(Account, Public, HttpEndPoint, RtmpEndPoint, RtmpsEndPoint, SrtEndPoint, HttpsEndPoint);

    private static IPEndPoint ParseEndPoint(string value, string name) => ListenAddress.Parse(value, name);

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}
