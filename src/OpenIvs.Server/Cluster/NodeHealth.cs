using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// <c>GET /health</c>: 200 when this node is started and can take publishers, 503 when it cannot (still starting,
/// or in a cluster: the database lost, the lease lost), with the node's state as JSON either way.
/// </summary>
public sealed class NodeHealth(NodeIdentity node, Uri advertiseUrl, string store, IStreamHub hub, NodeLease? lease = null)
{
    public NodeHealthReport Report(bool started)
    {
        var databaseReachable = lease?.DatabaseReachable ?? true;
        bool? leaseHeld = lease?.Holds;
        var healthy = started && (lease is null || lease.Available);
        return new NodeHealthReport(
            !started || lease is { Ready: false } ? "starting" : healthy ? "ok" : "unavailable",
            node.Value,
            advertiseUrl.ToString(),
            store,
            databaseReachable,
            leaseHeld,
            hub.Live.Count);
    }

    public Task WriteAsync(HttpContext context, bool started)
    {
        var report = Report(started);
        context.Response.StatusCode = report.Status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(report, ClusterJsonContext.Default.NodeHealthReport) + "\n");
    }
}
