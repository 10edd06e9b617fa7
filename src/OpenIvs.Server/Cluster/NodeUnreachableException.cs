namespace OpenIvs.Server.Cluster;

/// <summary>The node holding a stream could not be reached, did not answer in time, or answered something unexpected.</summary>
public sealed class NodeUnreachableException : Exception
{
    public NodeUnreachableException(string nodeId, string message, Exception? inner = null)
        : base(message, inner)
    {
        NodeId = nodeId;
    }

    public string NodeId { get; }
}
