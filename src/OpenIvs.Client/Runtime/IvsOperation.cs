using OpenIvs.Protocol.Operations;

namespace OpenIvs.Client.Runtime;

/// <summary>One operation's binding: how its request is written and its response read (generated).</summary>
internal sealed class IvsOperation<TRequest, TResponse>(
    OperationInfo info,
    Action<TRequest, IvsHttpRequest> writeRequest,
    Func<IvsHttpResponse, TResponse> readResponse)
{
    public OperationInfo Info { get; } = info;

    public Action<TRequest, IvsHttpRequest> WriteRequest { get; } = writeRequest;

    public Func<IvsHttpResponse, TResponse> ReadResponse { get; } = readResponse;
}

/// <summary>The result of an operation whose output is Unit (answered 204 without a body).</summary>
internal readonly struct IvsNoContent;
