using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Api;

/// <summary>An operation's HTTP method and its generated invoker.</summary>
public sealed record IvsRoute(
    OperationInfo Operation,
    string Method,
    Func<IvsApiRequest, IIvsService, CancellationToken, ValueTask<IvsApiResponse>> Invoke);

/// <summary>A route whose URI ends in one label, e.g. <c>/tags/{resourceArn}</c>.</summary>
public sealed record IvsTemplateRoute(string Prefix, string Label, IvsRoute Route);
