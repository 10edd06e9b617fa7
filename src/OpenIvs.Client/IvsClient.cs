using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenIvs.Client.Credentials;
using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Auth;
using OpenIvs.Protocol.Errors;

namespace OpenIvs.Client;

/// <summary>
/// The Amazon IVS API client, for OpenIVS and Amazon IVS alike. Each call is written as restJson1, signed
/// with SigV4, sent, retried under the standard retry mode, and answered with the typed output or a typed
/// <see cref="IvsException"/>. Thread-safe; create one and share it.
/// </summary>
/// <example>
/// <code>
/// using var ivs = new IvsClient(new IvsClientOptions { Region = "us-west-2" });
/// var created = await ivs.CreateChannelAsync(new CreateChannelRequest { Name = "demo" });
/// </code>
/// </example>
public sealed partial class IvsClient : IIvsClient, IDisposable
{
    /// <summary>The name of the client's <see cref="HttpClient"/> in <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "OpenIvs.Client";

    private readonly HttpClient? _httpClient;
    private readonly IHttpClientFactory? _httpClientFactory;
    private readonly bool _ownsHttpClient;
    private readonly IAwsCredentialsProvider _credentials;
    private readonly IvsRequestSigner _signer;
    private readonly RetryQuota _quota;
    private readonly TimeProvider _time;
    private readonly TimeSpan _attemptTimeout;
    private readonly TimeSpan? _timeout;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxBackoff;
    private readonly int _maxAttempts;
    private readonly ILogger _logger;
    private volatile bool _disposed;

    /// <summary>A client configured entirely from the environment and the shared AWS files.</summary>
    public IvsClient()
        : this(new IvsClientOptions())
    {
    }

    /// <summary>A client with the given settings (unset ones come from the environment and the shared AWS files).</summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IvsConfigurationException">No region could be found, or the endpoint settings are refused.</exception>
    public IvsClient(IvsClientOptions options)
        : this(options, AwsEnvironment.Process, null, null, null, null)
    {
    }

    /// <summary>A client that takes its <see cref="HttpClient"/> from a factory (named <see cref="HttpClientName"/>) for each call.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="httpClientFactory">The factory.</param>
    /// <param name="loggerFactory">Where retries and failures are logged (never with secrets), or null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IvsConfigurationException">No region could be found, or the endpoint settings are refused.</exception>
    public IvsClient(IvsClientOptions options, IHttpClientFactory httpClientFactory, ILoggerFactory? loggerFactory = null)
        : this(options, AwsEnvironment.Process, httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory)), loggerFactory, null, null)
    {
    }

    // random: the jitter source in [0, 1) (tests fix it); delay: waits before a retry (tests record instead of waiting).
    internal IvsClient(
        IvsClientOptions options, AwsEnvironment environment, IHttpClientFactory? httpClientFactory, ILoggerFactory? loggerFactory,
        Func<double>? random, Func<TimeSpan, CancellationToken, Task>? delay)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid IvsClientOptions: " + string.Join(" ", problems), nameof(options));
        }

        var files = new Lazy<AwsSharedConfig>(() => AwsSharedConfig.Load(environment));
        Configuration = ConfigurationResolver.Resolve(options, environment, files.Value);
        _credentials = options.Credentials is { } explicitCredentials
            ? new StaticCredentialsProvider(explicitCredentials)
            : options.CredentialsProvider ?? new DefaultCredentialsChain(environment, options.Profile, files);
        _signer = new IvsRequestSigner(Configuration.Endpoint, Configuration.Region);
        _quota = new RetryQuota(options.Retry.QuotaCapacity);
        _time = options.TimeProvider;
        _attemptTimeout = options.AttemptTimeout;
        _timeout = options.Timeout;
        _baseDelay = options.Retry.BaseDelay;
        _maxBackoff = options.Retry.MaxBackoff;
        _maxAttempts = Configuration.MaxAttempts;
        _random = random ?? Random.Shared.NextDouble;
        _delay = delay ?? ((wait, token) => Task.Delay(wait, _time, token));
        _logger = loggerFactory?.CreateLogger<IvsClient>() ?? (ILogger)NullLogger.Instance;
        if (options.HttpClient is { } httpClient)
        {
            _httpClient = httpClient;
        }
        else if (httpClientFactory is not null)
        {
            _httpClientFactory = httpClientFactory;
        }
        else
        {
            _httpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            _ownsHttpClient = true;
        }
    }

    private readonly Func<double> _random;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    /// <summary>The region, endpoint and retry settings this client resolved, with where each came from.</summary>
    public IvsClientConfiguration Configuration { get; }

    /// <summary>Tokens left in the client's retry quota (see <see cref="IvsRetryOptions"/>).</summary>
    public int RetryQuotaAvailable => _quota.Available;

    /// <summary>Disposes the <see cref="HttpClient"/> the client created itself (never one it was given).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsHttpClient)
        {
            _httpClient!.Dispose();
        }
    }

    internal async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        IvsOperation<TRequest, TResponse> operation, TRequest request, CancellationToken cancellationToken)
        where TRequest : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        var http = new IvsHttpRequest(operation.Info.Method);
        operation.WriteRequest(request, http);
        var payloadHash = IvsRequestSigner.PayloadHash(http);
        var invocationId = Guid.NewGuid().ToString();

        using var callTimeout = _timeout is { } timeout ? new CancellationTokenSource(timeout, _time) : null;
        using var linkedCall = callTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callTimeout.Token);
        var callToken = linkedCall?.Token ?? cancellationToken;
        var acquired = 0;
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            try
            {
                var credentials = await _credentials.GetCredentialsAsync(callToken).ConfigureAwait(false);
                var (error, result) = await SendAttemptAsync(operation, http, payloadHash, credentials, invocationId, attempt, callToken).ConfigureAwait(false);
                if (error is null)
                {
                    _quota.Release(acquired);
                    return result!;
                }

                failure = error;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException e) when (callTimeout?.IsCancellationRequested == true)
            {
                throw new TimeoutException($"{operation.Info.Name} did not complete within {_timeout} (attempt {attempt}).", e);
            }
            catch (OperationCanceledException e)
            {
                failure = new TimeoutException($"{operation.Info.Name} attempt {attempt} did not complete within {_attemptTimeout}.", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                failure = e;
            }

            if (!RetryClassifier.IsRetryable(failure) || attempt >= _maxAttempts)
            {
                Throw(failure);
            }

            var cost = RetryClassifier.Cost(failure);
            if (!_quota.TryAcquire(cost))
            {
                LogQuotaExhausted(_logger, operation.Info.Name, attempt, ErrorName(failure));
                Throw(failure);
            }

            acquired = cost;
            var delay = Backoff(attempt);
            LogRetry(_logger, operation.Info.Name, attempt, ErrorName(failure), delay.TotalMilliseconds);
            try
            {
                await _delay(delay, callToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && callTimeout?.IsCancellationRequested == true)
            {
                throw new TimeoutException($"{operation.Info.Name} did not complete within {_timeout} (waiting to retry).", e);
            }
        }
    }

    /// <summary>One attempt: returns the result, or the error the service answered with.</summary>
    private async Task<(IvsException? Error, TResponse? Result)> SendAttemptAsync<TRequest, TResponse>(
        IvsOperation<TRequest, TResponse> operation, IvsHttpRequest http, string payloadHash, SigV4Credentials credentials,
        string invocationId, int attempt, CancellationToken callToken)
    {
        using var attemptTimeout = _attemptTimeout == System.Threading.Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(_attemptTimeout, _time);
        using var linked = attemptTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(callToken, attemptTimeout.Token);
        var token = linked?.Token ?? callToken;
        using var message = _signer.Create(http, payloadHash, credentials, _time.GetUtcNow(), invocationId, attempt, _maxAttempts);
        var client = _httpClient ?? _httpClientFactory!.CreateClient(HttpClientName);
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            try
            {
                return (null, operation.ReadResponse(new IvsHttpResponse(status, response.Headers, response.Content.Headers, body)));
            }
            catch (System.Text.Json.JsonException e)
            {
                var invalid = new IvsException(
                    $"The {operation.Info.Name} response (HTTP {status}) could not be read: {e.Message}", "InvalidResponse", status, IvsErrorFault.Server, e);
                invalid.RequestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
                throw invalid;
            }
        }

        return (IvsErrorReader.Read(status, response.ReasonPhrase, response.Headers, body), default);
    }

    /// <summary>Full jitter: uniform in [0, min(MaxBackoff, BaseDelay x 2^(attempt-1))].</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_maxBackoff.TotalMilliseconds, _baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(_random() * ceiling);
    }

    private static string ErrorName(Exception failure) => failure is IvsException ivs ? ivs.ErrorCode : failure.GetType().Name;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(Exception failure)
    {
        ExceptionDispatchInfo.Capture(failure).Throw();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Operation} attempt {Attempt} failed with {ErrorCode}; retrying in {DelayMs:F0} ms")]
    private static partial void LogRetry(ILogger logger, string operation, int attempt, string errorCode, double delayMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Operation} attempt {Attempt} failed with {ErrorCode}; not retried: the retry quota is exhausted")]
    private static partial void LogQuotaExhausted(ILogger logger, string operation, int attempt, string errorCode);
}
