using System.Net.Sockets;
using OpenIvs.Protocol.Errors;

namespace OpenIvs.Client.Runtime;

/// <summary>Which failures the standard retry mode retries, and what a retry costs.</summary>
internal static class RetryClassifier
{
    // The throttling and transient error codes of the AWS SDKs' standard retry mode.
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
    };

    public static bool IsThrottling(IvsException error) => error.StatusCode == 429 || ThrottlingCodes.Contains(error.ErrorCode);

    /// <summary>Whether a failed attempt may succeed when tried again.</summary>
    public static bool IsRetryable(Exception failure) => failure switch
    {
        IvsException error => IsThrottling(error) || error.StatusCode is 500 or 502 or 503 or 504 || TransientCodes.Contains(error.ErrorCode) || error.IsTransient,
        TimeoutException => true,
        HttpRequestException http => http.HttpRequestError switch
        {
            HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ResponseEnded
                or HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse => true,
            HttpRequestError.Unknown => http.InnerException is IOException or SocketException,
            _ => false,
        },
        IOException => true,
        _ => false,
    };

    /// <summary>Quota tokens a retry after <paramref name="failure"/> takes.</summary>
    public static int Cost(Exception failure) => failure is TimeoutException ? RetryQuota.TimeoutRetryCost : RetryQuota.RetryCost;
}
