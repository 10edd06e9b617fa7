using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Events;

/// <summary>
/// POSTs each event's JSON to a URL, one request per event, in order. 2xx means delivered; any other answer,
/// a redirect (never followed), a reset or a timeout is a failure the relay retries. With a secret, every
/// request carries <c>X-OpenIVS-Signature: sha256=HEX(HMAC-SHA256(secret, body))</c>; every request carries
/// <c>X-OpenIVS-Event-Id</c> for de-duplication.
/// </summary>
public sealed class WebhookSink : IEventSink, IDisposable
{
    public const string SignatureHeader = "X-OpenIVS-Signature";
    public const string EventIdHeader = "X-OpenIVS-Event-Id";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly Uri _url;
    private readonly byte[]? _secret;
    private readonly HttpClient _http;

    public WebhookSink(Uri url, string? secret, TimeSpan timeout)
    {
        _url = url;
        _secret = string.IsNullOrEmpty(secret) ? null : Encoding.UTF8.GetBytes(secret);

        // The cursor key hashes the whole URL (it may carry a token); logs show it without query or user info.
        Name = "webhook:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..16];
        DisplayName = $"webhook {url.Scheme}://{url.Authority}{url.AbsolutePath}";
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
        })
        {
            Timeout = timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("OpenIVS-Events/1");
    }

    public string Name { get; }

    public string DisplayName { get; }

    /// <summary>One event per request, so the relay stores the cursor after each (a crash re-delivers one event at most).</summary>
    public int BatchSize => 1;

    public async Task<IReadOnlyList<DeliveryOutcome>> DeliverAsync(IReadOnlyList<OutboxEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new List<DeliveryOutcome>(events.Count);
        foreach (var e in events)
        {
            var outcome = await DeliverOneAsync(e, cancellationToken).ConfigureAwait(false);
            outcomes.Add(outcome);
            if (outcome.Status != DeliveryStatus.Delivered)
            {
                break;
            }
        }

        return outcomes;
    }

    /// <summary>The signature header value for <paramref name="body"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    private async Task<DeliveryOutcome> DeliverOneAsync(OutboxEvent e, CancellationToken cancellationToken)
    {
        var outcome = await PostAsync(e, cancellationToken).ConfigureAwait(false);

        // A receiver that closes its connection after each answer (HTTP/1.0 servers such as Python's http.server)
        // makes the next POST on the pooled connection fail before any answer: send it once more at once, on a new
        // connection, instead of waiting out a retry backoff for every other event.
        return outcome.StaleConnection ? (await PostAsync(e, cancellationToken).ConfigureAwait(false)).Outcome : outcome.Outcome;
    }

    private async Task<(DeliveryOutcome Outcome, bool StaleConnection)> PostAsync(OutboxEvent e, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(e.Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.TryAddWithoutValidation(EventIdHeader, e.Id);
        if (_secret is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_secret, body));
        }

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return (status is >= 200 and < 300
                ? DeliveryOutcome.Delivered
                : DeliveryOutcome.Failed(status is >= 300 and < 400 ? $"HTTP {status} (redirects are not followed)" : $"HTTP {status}"), false);
        }
        catch (HttpRequestException ex)
        {
            return (DeliveryOutcome.Failed(ex.HttpRequestError + ": " + ex.Message), ex.HttpRequestError == HttpRequestError.ResponseEnded);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (DeliveryOutcome.Failed($"no answer within {_http.Timeout}"), false);
        }
    }

    public void Dispose() => _http.Dispose();
}
