using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenIvs.Client.Credentials;
using OpenIvs.Protocol.Auth;

using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Events;

/// <summary>
/// Puts events on an EventBridge bus with <c>PutEvents</c> (awsJson1.1, SigV4 service <c>events</c>), up to ten
/// entries per call. Entries keep IVS's detail-type, detail, resources and time; their <c>source</c> is the
/// configured one (Amazon EventBridge refuses <c>aws.*</c> from anyone but AWS). Entries the answer refuses
/// are parked (never retried forever); throttling, internal errors, 5xx and unreachable endpoints are retried.
/// </summary>
public sealed partial class EventBridgeSink : IEventSink, IDisposable
{
    private static readonly TimeSpan CredentialsLifetime = TimeSpan.FromMinutes(10);

    // Per-entry error codes that may succeed when sent again; any other code refuses the entry for good.
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "InternalException", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
    };

    private readonly Uri _endpoint;
    private readonly string _bus;
    private readonly string _source;
    private readonly string _region;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly IAwsCredentialsProvider? _fixedCredentials;
    private IAwsCredentialsProvider? _chain;
    private DateTimeOffset _chainCreated;

    /// <remarks>
    /// <paramref name="credentials"/>: fixed credentials, or null for the standard AWS chain (environment, then
    /// profile), re-read every 10 minutes.
    /// </remarks>
    public EventBridgeSink(
        Uri endpoint, string bus, string source, string region, TimeSpan timeout, IAwsCredentialsProvider? credentials, TimeProvider time, ILogger logger)
    {
        _endpoint = endpoint;
        _bus = bus;
        _source = source;
        _region = region;
        _time = time;
        _logger = logger;
        _fixedCredentials = credentials;
        Name = $"eventbridge:{endpoint.Authority}/{bus}";
        DisplayName = $"EventBridge {endpoint.Scheme}://{endpoint.Authority} bus {bus}";
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = timeout, UseCookies = false }) { Timeout = timeout };
    }

    public string Name { get; }

    public string DisplayName { get; }

    /// <summary>PutEvents takes at most ten entries.</summary>
    public int BatchSize => 10;

    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<OutboxEvent> events, CancellationToken cancellationToken)
    {
        SigV4Credentials credentials;
        try
        {
            credentials = await CredentialsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Client.IvsConfigurationException e)
        {
            return [DeliveryOutcome.Failed(e.Message)];
        }

        var body = PutEventsBody(events);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        var now = _time.GetUtcNow();
        var amzDate = SigV4.FormatDate(now);
        var path = string.IsNullOrEmpty(_endpoint.AbsolutePath) ? "/" : _endpoint.AbsolutePath;
        List<KeyValuePair<string, string>> headers =
        [
            new("host", _endpoint.IsDefaultPort ? _endpoint.Host : _endpoint.Authority),
            new("x-amz-date", amzDate),
            new("x-amz-target", "AWSEvents.PutEvents"),
            new("content-type", "application/x-amz-json-1.1"),
        ];
        if (credentials.SessionToken is { } token)
        {
            headers.Add(new("x-amz-security-token", token));
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        var signed = SigV4Signer.SignHeaders("POST", path, null, headers, SigV4.HexSha256(body), credentials, _region, "events", now);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSEvents.PutEvents");
        request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-amz-json-1.1");

        string answer;
        HttpStatusCode status;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            return [DeliveryOutcome.Failed(e.HttpRequestError + ": " + e.Message)];
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [DeliveryOutcome.Failed($"no answer within {_http.Timeout}")];
        }

        if (status != HttpStatusCode.OK)
        {
            // Whole-call errors (throttling, 5xx, but also a missing bus or bad credentials) are retried until the
            // events are parked: an operator can fix the bus or the credentials meanwhile.
            return [DeliveryOutcome.Failed($"HTTP {(int)status}: {Truncate(answer)}")];
        }

        return ParseAnswer(answer, events.Count);
    }

    /// <summary>The PutEvents request body for <paramref name="events"/>.</summary>
    public byte[] PutEventsBody(IReadOnlyList<OutboxEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>(1024 * events.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Entries");
            foreach (var e in events)
            {
                using var envelope = JsonDocument.Parse(e.Json);
                var root = envelope.RootElement;
                writer.WriteStartObject();
                writer.WriteString("Source", _source);
                writer.WriteString("DetailType", e.DetailType);
                writer.WriteString("Detail", root.TryGetProperty("detail", out var detail) ? detail.GetRawText() : "{}");
                writer.WriteStartArray("Resources");
                if (root.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
                {
                    foreach (var resource in resources.EnumerateArray())
                    {
                        writer.WriteStringValue(resource.GetString());
                    }
                }

                writer.WriteEndArray();
                writer.WriteNumber("Time", e.Time.ToUnixTimeSeconds());
                writer.WriteString("EventBusName", _bus);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private IReadOnlyList<DeliveryOutcome> ParseAnswer(string answer, int count)
    {
        JsonElement entries;
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (!document.RootElement.TryGetProperty("Entries", out var found) || found.ValueKind != JsonValueKind.Array
                || found.GetArrayLength() != count)
            {
                return [DeliveryOutcome.Failed("PutEvents answered without one entry per event: " + Truncate(answer))];
            }

            entries = found.Clone();
        }
        catch (JsonException)
        {
            return [DeliveryOutcome.Failed("PutEvents answered with something other than JSON: " + Truncate(answer))];
        }

        var outcomes = new List<DeliveryOutcome>(count);
        foreach (var entry in entries.EnumerateArray())
        {
            var code = entry.TryGetProperty("ErrorCode", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (string.IsNullOrEmpty(code))
            {
                outcomes.Add(DeliveryOutcome.Delivered);
                continue;
            }

            var message = entry.TryGetProperty("ErrorMessage", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (RetryableCodes.Contains(code))
            {
                outcomes.Add(DeliveryOutcome.Failed($"{code}: {message}"));
                break;
            }

            if (_source.StartsWith("aws.", StringComparison.Ordinal))
            {
                LogAwsSourceAdvice(_logger, DisplayName, _source, code, message ?? string.Empty);
            }

            outcomes.Add(DeliveryOutcome.Refused($"{code}: {message}"));
        }

        return outcomes;
    }

    private async ValueTask<SigV4Credentials> CredentialsAsync(CancellationToken cancellationToken)
    {
        if (_fixedCredentials is not null)
        {
            return await _fixedCredentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }

        // The chain caches what it found; a fresh one now and then picks up rotated keys.
        var now = _time.GetUtcNow();
        if (_chain is null || now - _chainCreated > CredentialsLifetime)
        {
            _chain = new DefaultCredentialsChain();
            _chainCreated = now;
        }

        return await _chain.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning,
        Message = "{Sink} refused an entry with source '{Source}' ({Code}: {Message}). Amazon EventBridge accepts sources starting with 'aws.' only from AWS services: set --eventbridge-source (for example openivs.ivs) and match it in your rules.")]
    private static partial void LogAwsSourceAdvice(ILogger logger, string sink, string source, string code, string message);
}
