using Microsoft.Extensions.Configuration;
using OpenIvs.Server.Hosting;

namespace OpenIvs.Cli.Commands;

/// <summary>
/// The settings of <c>openivs serve</c>: each has a command-line option and an environment variable;
/// anything else can be set in a JSON config file (same names as <see cref="OpenIvsOptions"/>) or with
/// <c>OPENIVS_Section__Name</c> variables. Precedence: option, variable, file, default.
/// </summary>
internal static class ServeSettings
{
    /// <summary>(option, configuration key, environment variable, description)</summary>
    public static readonly (string Option, string Key, string Environment, string Description)[] All =
    [
        ("--data-dir", "DataDirectory", "OPENIVS_DATA_DIR", "Directory for the database, credentials and certificates (default: data)."),
        ("--postgres", "Storage:Postgres", "OPENIVS_POSTGRES", "Keep state in PostgreSQL (an Npgsql connection string) instead of SQLite in the data directory; nodes may share it."),
        ("--node-id", "Cluster:NodeId", "OPENIVS_NODE_ID", "This node's id in a cluster on one PostgreSQL database: A-Z a-z 0-9 . _ -, up to 64 (default: the host name)."),
        ("--advertise-url", "Cluster:AdvertiseUrl", "OPENIVS_ADVERTISE_URL", "How other nodes reach this node's HTTP(S), scheme://host:port (default: from the --http listener)."),
        ("--node-lease", "Cluster:NodeLease", "OPENIVS_NODE_LEASE", "How long a node's lease lasts without a heartbeat before its streams end and other nodes take its channels, hh:mm:ss (default: 00:00:10)."),
        ("--dead-node-retention", "Cluster:DeadNodeRetention", "OPENIVS_DEAD_NODE_RETENTION", "How long the row of a node whose lease ended is kept in cluster_nodes once it left nothing open, d.hh:mm:ss (default: 1.00:00:00)."),
        ("--http", "Http", "OPENIVS_HTTP", "API and playback listener HOST:PORT (default: 127.0.0.1:8080)."),
        ("--rtmp", "Rtmp", "OPENIVS_RTMP", "RTMP ingest listener HOST:PORT (default: 127.0.0.1:1935)."),
        ("--rtmps", "Rtmps", "OPENIVS_RTMPS", "RTMPS ingest listener HOST:PORT (default: 127.0.0.1:4443)."),
        ("--srt", "Srt", "OPENIVS_SRT", "SRT ingest listener (UDP) HOST:PORT, or off (default: 127.0.0.1:9000)."),
        ("--https", "Tls:Https", "OPENIVS_HTTPS", "HTTPS listener HOST:PORT for the API, playback and console (default: none); playback URLs use it."),
        ("--tls-certificate", "Tls:Certificate", "OPENIVS_TLS_CERTIFICATE", "PEM or PKCS#12 (.pfx) certificate for --https, read again when it changes (default: the self-signed RTMPS one); RTMPS uses it too unless --rtmps-certificate is given."),
        ("--tls-certificate-key", "Tls:CertificateKey", "OPENIVS_TLS_CERTIFICATE_KEY", "PEM private key of --tls-certificate, if not in the same file."),
        ("--region", "Region", "OPENIVS_REGION", "AWS region the service presents (default: us-west-2)."),
        ("--account-id", "AccountId", "OPENIVS_ACCOUNT_ID", "12-digit account id in ARNs (default: 000000000000)."),
        ("--ingest-host", "Public:IngestHost", "OPENIVS_INGEST_HOST", "Host name in channels' ingestEndpoint; may contain {prefix}."),
        ("--public-rtmps-port", "Public:RtmpsPort", "OPENIVS_PUBLIC_RTMPS_PORT", "RTMPS port clients connect to, if not the listener's."),
        ("--public-rtmp-port", "Public:RtmpPort", "OPENIVS_PUBLIC_RTMP_PORT", "RTMP port clients connect to, if not the listener's."),
        ("--playback-base-url", "Public:PlaybackBaseUrl", "OPENIVS_PLAYBACK_BASE_URL", "Scheme://host[:port] of playback URLs; may contain {prefix}."),
        ("--srt-host", "Public:SrtHost", "OPENIVS_SRT_HOST", "Host name of channels' SRT endpoint."),
        ("--public-srt-port", "Public:SrtPort", "OPENIVS_PUBLIC_SRT_PORT", "SRT port clients connect to, if not the listener's."),
        ("--rtmps-certificate", "RtmpsCertificate", "OPENIVS_RTMPS_CERTIFICATE", "PEM certificate for RTMPS (default: a self-signed one in the data directory)."),
        ("--rtmps-certificate-key", "RtmpsCertificateKey", "OPENIVS_RTMPS_CERTIFICATE_KEY", "PEM private key of the RTMPS certificate."),
        ("--playback-window", "Playback:Window", "OPENIVS_PLAYBACK_WINDOW", "Media listed in each stream's playlist, hh:mm:ss (default: 00:00:24; the newest 2 s in memory, the rest in files)."),
        ("--part-target", "Playback:PartTarget", "OPENIVS_PART_TARGET", "LL-HLS part duration of LOW latency channels, hh:mm:ss.fff (default: 00:00:00.360)."),
        ("--part-hold-back", "Playback:PartHoldBackParts", "OPENIVS_PART_HOLD_BACK", "LL-HLS PART-HOLD-BACK in part targets, 2-10 (default: 2, the RFC 8216bis minimum)."),
        ("--geoip-db", "Geo:GeoIpDatabase", "OPENIVS_GEOIP_DB", "MaxMind-format database (.mmdb) telling viewers' countries, for policies' allowedCountries."),
        ("--trusted-country-header", "Geo:TrustedCountryHeader", "OPENIVS_TRUSTED_COUNTRY_HEADER", "Header with the viewer's country set by a CDN or proxy, e.g. CloudFront-Viewer-Country (needs --trusted-proxies)."),
        ("--trusted-proxies", "Geo:TrustedProxies", "OPENIVS_TRUSTED_PROXIES", "Comma-separated IPs/CIDRs of proxies whose country header and X-Forwarded-For are believed."),
        ("--s3-endpoint", "Recording:S3Endpoint", "OPENIVS_S3_ENDPOINT", "Record to this S3-compatible service URL instead of <data-dir>/s3 (path-style)."),
        ("--s3", "Recording:S3", "OPENIVS_S3", "aws: record to Amazon S3 in the service's region (standard AWS credentials)."),
        ("--s3-force-path-style", "Recording:S3ForcePathStyle", "OPENIVS_S3_FORCE_PATH_STYLE", "true (default) or false for virtual-host bucket addressing."),
        ("--s3-profile", "Recording:S3Profile", "OPENIVS_S3_PROFILE", "AWS profile whose credentials sign S3 requests."),
        ("--recording-spool-limit", "Recording:SpoolLimit", "OPENIVS_RECORDING_SPOOL_LIMIT", "Bytes of recordings kept locally while S3 is unreachable (default: 2147483648)."),
        ("--transcode-slots", "Transcoding:Slots", "OPENIVS_TRANSCODE_SLOTS", "Streams transcoded at once (default 0: the machine's cores, see docs/transcoding.md)."),
        ("--auth", "Authentication", "OPENIVS_AUTH", "sigv4 (default: every call signed and authorized) or none (no authentication)."),
        ("--enable-fault-injection", "EnableFaultInjection", "OPENIVS_ENABLE_FAULT_INJECTION", "Allow /_openivs/faults to inject API errors (testing aid)."),
        ("--eventbridge-bus", "Events:EventBridgeBus", "OPENIVS_EVENTBRIDGE_BUS", "Deliver IVS events to this EventBridge bus (default with --eventbridge-endpoint: default)."),
        ("--eventbridge-endpoint", "Events:EventBridgeEndpoint", "OPENIVS_EVENTBRIDGE_ENDPOINT", "EventBridge endpoint URL (default: https://events.<region>.amazonaws.com)."),
        ("--eventbridge-source", "Events:EventBridgeSource", "OPENIVS_EVENTBRIDGE_SOURCE", "Source of EventBridge entries (default: aws.ivs; Amazon EventBridge needs e.g. openivs.ivs)."),
        ("--webhook", "Events:Webhooks", "OPENIVS_WEBHOOKS", "POST every IVS event to this URL (repeatable; the variable takes a comma-separated list)."),
        ("--webhook-secret", "Events:WebhookSecret", "OPENIVS_WEBHOOK_SECRET", "Sign webhook requests: X-OpenIVS-Signature: sha256=<HMAC-SHA256 of the body>."),
        ("--event-park-after", "Events:ParkAfter", "OPENIVS_EVENT_PARK_AFTER", "Park an event as dead after failing this long, d.hh:mm:ss (default: 1.00:00:00)."),
        ("--event-retention", "Events:Retention", "OPENIVS_EVENT_RETENTION", "Prune delivered events older than this, d.hh:mm:ss (default: 7.00:00:00)."),
        ("--metrics-listen", "Monitoring:MetricsListen", "OPENIVS_METRICS_LISTEN", "Serve Prometheus metrics at /metrics on this HOST:PORT only (default: off)."),
        ("--enable-metrics-on-http", "Monitoring:MetricsOnHttp", "OPENIVS_ENABLE_METRICS_ON_HTTP", "Also serve /metrics on the public HTTP listener."),
        ("--otlp-endpoint", "Monitoring:OtlpEndpoint", "OPENIVS_OTLP_ENDPOINT", "OTLP/HTTP collector for traces, e.g. http://127.0.0.1:4318 (default: no tracing)."),
        ("--trace-sample-ratio", "Monitoring:TraceSampleRatio", "OPENIVS_TRACE_SAMPLE_RATIO", "Share of requests that start a trace, 0-1 (default: 0.1; 1 traces every request)."),
        ("--log-format", "Monitoring:LogFormat", "OPENIVS_LOG_FORMAT", "text (default) or json (JSON lines with the request id and channel id as fields)."),
        ("--enable-rate-limits", "EnableRateLimits", "OPENIVS_ENABLE_RATE_LIMITS", "Enforce IVS's API rate quotas (ThrottlingException)."),
    ];

    public static OpenIvsOptions Bind(string? configFile, IReadOnlyDictionary<string, string?> fromCommandLine, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var builder = new ConfigurationBuilder();
        configFile ??= environment("OPENIVS_CONFIG");
        if (!string.IsNullOrEmpty(configFile))
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        builder.AddEnvironmentVariables("OPENIVS_");
        builder.AddInMemoryCollection(All
            .Select(s => (s.Key, Value: environment(s.Environment)))
            .Where(s => s.Value is not null)
            .Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddInMemoryCollection(fromCommandLine);
        var options = new OpenIvsOptions();
        builder.Build().Bind(options);
        return options;
    }
}
