using System.Diagnostics.CodeAnalysis;

namespace OpenIvs.Server.Resources;

/// <summary>
/// The resources of this server's account and region, found by ARN: what the API service and the IAM
/// authorizer (resource tags) both read. An ARN of another account, region or type names nothing here.
/// </summary>
public sealed class ResourceCatalog(ResourceTables tables, string region, string account)
{
    public ResourceTables Tables => tables;

    public string Arn(string type, string id) => $"arn:aws:ivs:{region}:{account}:{type}/{id}";

    /// <summary>The id of an ARN of <paramref name="type"/> here, or null when the ARN cannot name one.</summary>
    public string? IdOf(string? arn, string type) =>
        TryParse(arn, out var parsed) && parsed.Value.Type == type ? parsed.Value.Id : null;

    /// <summary>The stored record an ARN names, or null.</summary>
    public TRecord? Find<TRecord, TShape>(ResourceKind<TRecord, TShape> kind, string? arn)
        where TRecord : class
        where TShape : class =>
        IdOf(arn, kind.ArnType) is { } id ? kind.Find(id) : null;

    /// <summary>The taggable kind and id an ARN names, whether or not the resource exists.</summary>
    public bool TryTaggable(string? arn, [NotNullWhen(true)] out IResourceKind? kind, [NotNullWhen(true)] out string? id)
    {
        kind = null;
        id = null;
        if (!TryParse(arn, out var parsed) || !tables.Taggable.TryGetValue(parsed.Value.Type, out kind))
        {
            return false;
        }

        id = parsed.Value.Id;
        return true;
    }

    /// <summary>The tags of a resource (for <c>aws:ResourceTag</c> conditions); null when it does not exist.</summary>
    public IReadOnlyDictionary<string, string>? TagsOf(string? arn) =>
        TryTaggable(arn, out var kind, out var id) ? kind.TagsOf(id) : null;

    private bool TryParse(string? arn, [NotNullWhen(true)] out IvsArn? parsed) =>
        IvsArn.TryParse(arn, out parsed) && parsed.Value.Region == region && parsed.Value.Account == account;
}
