namespace OpenIvs.Server.Events;

/// <summary>
/// Where IVS events go (docs/events.md): Amazon EventBridge (or an EventBridge-compatible endpoint), webhooks,
/// and always <c>GET /_openivs/events</c>. Each sink delivers from its own cursor in the durable outbox.
/// </summary>
public sealed class EventOptions
{
    /// <summary>EventBridge bus to put events on; set (or <see cref="EventBridgeEndpoint"/> set) enables the sink.</summary>
    public string EventBridgeBus { get; set; } = string.Empty;

    /// <summary>EventBridge endpoint URL (default: <c>https://events.{region}.amazonaws.com</c>).</summary>
    public string EventBridgeEndpoint { get; set; } = string.Empty;

    /// <summary>
    /// The <c>source</c> of EventBridge entries. IVS's is <c>aws.ivs</c>, which emulators accept and rules match;
    /// Amazon EventBridge refuses <c>aws.*</c> sources from anyone but AWS, so there set e.g. <c>openivs.ivs</c>.
    /// </summary>
    public string EventBridgeSource { get; set; } = "aws.ivs";

    /// <summary>Webhook URLs, comma-separated; each gets every event as a JSON POST.</summary>
    public string Webhooks { get; set; } = string.Empty;

    /// <summary>HMAC-SHA256 key for <c>X-OpenIVS-Signature</c> on webhook requests (empty: unsigned).</summary>
    public string WebhookSecret { get; set; } = string.Empty;

    /// <summary>How long a webhook request (or EventBridge call) may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After failing this long, an event is parked as dead (logged, kept until pruned) and the sink moves on.</summary>
    public TimeSpan ParkAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Delivered and parked events older than this are pruned.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest wait between two delivery attempts (exponential backoff with jitter up to it).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an idle <c>/_openivs/events</c> stream gets a keep-alive comment.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    public bool EventBridgeEnabled => EventBridgeBus.Length > 0 || EventBridgeEndpoint.Length > 0;

    public IReadOnlyList<string> WebhookUrls =>
        Webhooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The EventBridge endpoint to call, given the service's region.</summary>
    public Uri EventBridgeUri(string region) =>
        new(EventBridgeEndpoint.Length > 0 ? EventBridgeEndpoint : $"https://events.{region}.amazonaws.com");

    public IEnumerable<string> Validate()
    {
        if (EventBridgeEndpoint.Length > 0 && !IsHttpUrl(EventBridgeEndpoint))
        {
            yield return $"Events.EventBridgeEndpoint '{EventBridgeEndpoint}' must be an http(s) URL.";
        }

        if (EventBridgeEnabled && EventBridgeSource.Length is 0 or > 256)
        {
            yield return "Events.EventBridgeSource must be 1 to 256 characters.";
        }

        foreach (var url in WebhookUrls)
        {
            if (!IsHttpUrl(url))
            {
                // The URL may carry a token: name only its position.
                yield return $"Events.Webhooks: entry {WebhookUrls.ToList().IndexOf(url) + 1} is not an http(s) URL.";
            }
        }

        if (RequestTimeout <= TimeSpan.Zero || ParkAfter <= TimeSpan.Zero || Retention <= TimeSpan.Zero
            || MaxBackoff < TimeSpan.FromSeconds(1) || KeepAlive <= TimeSpan.Zero)
        {
            yield return "Events: RequestTimeout, ParkAfter, Retention and KeepAlive must be positive, MaxBackoff at least 1 s.";
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
