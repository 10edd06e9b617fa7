using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Resources;

/// <summary>One kind of stored IVS resource, whatever its record type: what tagging needs of every kind.</summary>
public interface IResourceKind
{
    /// <summary>The type in its ARNs (<c>channel</c>, <c>stream-key</c>, ...).</summary>
    string ArnType { get; }

    /// <summary>The tags of the resource with this id; null when there is no such resource.</summary>
    IReadOnlyDictionary<string, string>? TagsOf(string id);

    /// <summary>Stores the resource with its tags replaced; false when there is no such resource.</summary>
    bool TryReplaceTags(DocumentWrite write, string id, Dictionary<string, string> tags);
}
