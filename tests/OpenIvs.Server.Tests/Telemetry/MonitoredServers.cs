namespace OpenIvs.Server.Tests.Telemetry;

/// <summary>
/// Test classes whose servers turn metrics on run one after the other: OpenTelemetry's MeterProvider finds
/// meters by name in the whole process, so two monitored servers at once would see (and, when one stops, lose)
/// each other's instruments. A real server is alone in its process.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MonitoredServers
{
    public const string Name = "Servers with metrics on";
}
