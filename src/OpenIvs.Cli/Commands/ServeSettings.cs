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
        ("--http", "Http", "OPENIVS_HTTP", "API and playback listener HOST:PORT (default: 127.0.0.1:8080)."),
        ("--rtmp", "Rtmp", "OPENIVS_RTMP", "RTMP ingest listener HOST:PORT (default: 127.0.0.1:1935)."),
        ("--rtmps", "Rtmps", "OPENIVS_RTMPS", "RTMPS ingest listener HOST:PORT (default: 127.0.0.1:4443)."),
        ("--region", "Region", "OPENIVS_REGION", "AWS region the service presents (default: us-west-2)."),
        ("--account-id", "AccountId", "OPENIVS_ACCOUNT_ID", "12-digit account id in ARNs (default: 000000000000)."),
        ("--ingest-host", "Public:IngestHost", "OPENIVS_INGEST_HOST", "Host name in channels' ingestEndpoint; may contain {prefix}."),
        ("--public-rtmps-port", "Public:RtmpsPort", "OPENIVS_PUBLIC_RTMPS_PORT", "RTMPS port clients connect to, if not the listener's."),
        ("--public-rtmp-port", "Public:RtmpPort", "OPENIVS_PUBLIC_RTMP_PORT", "RTMP port clients connect to, if not the listener's."),
        ("--playback-base-url", "Public:PlaybackBaseUrl", "OPENIVS_PLAYBACK_BASE_URL", "Scheme://host[:port] of playback URLs; may contain {prefix}."),
        ("--srt-host", "Public:SrtHost", "OPENIVS_SRT_HOST", "Host name of channels' SRT endpoint."),
        ("--rtmps-certificate", "RtmpsCertificate", "OPENIVS_RTMPS_CERTIFICATE", "PEM certificate for RTMPS (default: a self-signed one in the data directory)."),
        ("--rtmps-certificate-key", "RtmpsCertificateKey", "OPENIVS_RTMPS_CERTIFICATE_KEY", "PEM private key of the RTMPS certificate."),
        ("--playback-window", "Playback:Window", "OPENIVS_PLAYBACK_WINDOW", "Media kept in memory per stream, hh:mm:ss (default: 00:00:24)."),
        ("--part-target", "Playback:PartTarget", "OPENIVS_PART_TARGET", "LL-HLS part duration of LOW latency channels, hh:mm:ss.fff (default: 00:00:00.360)."),
        ("--transcode-slots", "Transcoding:Slots", "OPENIVS_TRANSCODE_SLOTS", "Streams transcoded at once (default 0: the machine's cores, see docs/transcoding.md)."),
        ("--auth", "Authentication", "OPENIVS_AUTH", "sigv4 (default: every call signed and authorized) or none (no authentication)."),
        ("--enable-fault-injection", "EnableFaultInjection", "OPENIVS_ENABLE_FAULT_INJECTION", "Allow /_openivs/faults to inject API errors (testing aid)."),
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
