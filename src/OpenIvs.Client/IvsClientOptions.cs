using OpenIvs.Client.Credentials;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client;

/// <summary>
/// Settings of an <see cref="IvsClient"/>. Everything left unset is found as the AWS SDKs find it: environment
/// variables, then the shared <c>config</c>/<c>credentials</c> files' profile, then defaults. Bindable from
/// <c>IConfiguration</c> (see <see cref="IvsServiceCollectionExtensions"/>).
/// </summary>
public sealed class IvsClientOptions
{
    /// <summary>The region, e.g. <c>us-west-2</c>. Unset: <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, the profile's <c>region</c>.</summary>
    public string? Region { get; set; }

    /// <summary>
    /// The shared-files profile to read region, endpoint and credentials from. Unset: <c>AWS_PROFILE</c>, else
    /// <c>default</c>. A profile named here also takes precedence over credentials in environment variables.
    /// </summary>
    public string? Profile { get; set; }

    /// <summary>
    /// The service endpoint, e.g. <c>http://127.0.0.1:8080</c> for a local OpenIVS. Unset:
    /// <c>AWS_ENDPOINT_URL_IVS</c>, <c>AWS_ENDPOINT_URL</c>, the profile's <c>ivs</c> services
    /// <c>endpoint_url</c>, the profile's <c>endpoint_url</c>, else the model's endpoint rules
    /// (<c>https://ivs.{region}.amazonaws.com</c> and its FIPS and dual-stack variants).
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Use the FIPS endpoint. Unset: <c>AWS_USE_FIPS_ENDPOINT</c>, the profile's <c>use_fips_endpoint</c>, false.</summary>
    public bool? UseFips { get; set; }

    /// <summary>Use the dual-stack endpoint. Unset: <c>AWS_USE_DUALSTACK_ENDPOINT</c>, the profile's <c>use_dualstack_endpoint</c>, false.</summary>
    public bool? UseDualStack { get; set; }

    /// <summary>Credentials given in code; they win over every other source.</summary>
    public SigV4Credentials? Credentials { get; set; }

    /// <summary>A credentials source of your own; used when <see cref="Credentials"/> is not set. Unset: <see cref="DefaultCredentialsChain"/>.</summary>
    public IAwsCredentialsProvider? CredentialsProvider { get; set; }

    /// <summary>How failed attempts are retried (the AWS SDKs' standard retry mode).</summary>
    public IvsRetryOptions Retry { get; set; } = new();

    /// <summary>The longest one attempt may take, sending and reading the response. Default 30 seconds; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a whole call may take, retries and their delays included. Unset: no limit beyond the attempts'.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// The <see cref="System.Net.Http.HttpClient"/> to send with (its own timeout should not be shorter than
    /// <see cref="AttemptTimeout"/>); the client does not dispose it. Unset: one owned by the client, or one from
    /// <c>IHttpClientFactory</c> when registered with <c>AddIvsClient</c>.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>The clock for request signing, timeouts and retry delays.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks the settings; returns one message per problem.</summary>
    /// <returns>The problems found; empty when the options are usable.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Region is not null && string.IsNullOrWhiteSpace(Region))
        {
            problems.Add("Region must not be blank.");
        }

        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("http" or "https")))
        {
            problems.Add($"Endpoint '{Endpoint}' must be an absolute http or https URL.");
        }

        if (Credentials is not null && (string.IsNullOrEmpty(Credentials.AccessKeyId) || string.IsNullOrEmpty(Credentials.SecretAccessKey)))
        {
            problems.Add("Credentials need both an access key id and a secret access key.");
        }

        if (AttemptTimeout <= TimeSpan.Zero && AttemptTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            problems.Add("AttemptTimeout must be positive (or infinite).");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add("Timeout must be positive.");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (Retry is null)
        {
            problems.Add("Retry must be set.");
        }
        else
        {
            problems.AddRange(Retry.Validate());
        }

        return problems;
    }
}
