namespace OpenIvs.Protocol.Operations;

/// <summary>An operation's restJson1 binding and traits, as generated from the model.</summary>
public sealed record OperationInfo(
    string Name,
    string Method,
    string UriTemplate,
    int SuccessCode,
    bool IsReadOnly,
    bool IsIdempotent,
    PaginationInfo? Pagination,
    Type InputType,
    Type? OutputType,
    IReadOnlyList<string> Errors)
{
    /// <summary>The IAM action name, e.g. <c>ivs:CreateChannel</c>.</summary>
    public string Action { get; } = "ivs:" + Name;
}

/// <summary>The model's <c>@paginated</c> trait.</summary>
public sealed record PaginationInfo(string? InputToken, string? OutputToken, string? PageSize, string? Items);
