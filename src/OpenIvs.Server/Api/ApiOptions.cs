namespace OpenIvs.Server.Api;

/// <summary>What the API's endpoints need from the settings, composed by Hosting.</summary>
public sealed class ApiOptions
{
    /// <summary>Lets <c>/_openivs/faults</c> inject errors into chosen operations (the <c>EnableFaultInjection</c> setting).</summary>
    public bool EnableFaultInjection { get; init; }

    /// <summary>IVS's per-operation TPS quotas enforced (the <c>EnableRateLimits</c> setting).</summary>
    public bool EnableRateLimits { get; init; }

    /// <summary>How often an idle <c>/_openivs/events</c> stream gets a keep-alive comment (<c>Events.KeepAlive</c>).</summary>
    public TimeSpan EventStreamKeepAlive { get; init; } = TimeSpan.FromSeconds(15);
}
