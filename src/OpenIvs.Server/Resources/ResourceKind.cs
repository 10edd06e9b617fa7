using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Resources;

/// <summary>
/// One kind of stored IVS resource: its table, its names in messages, and how its stored record holds the
/// wire shape the API returns (<typeparamref name="TShape"/>) and that shape's tags. The service's create,
/// update, delete and tagging rules are written once against this (see <c>IvsService.Resources.cs</c>).
/// </summary>
public sealed class ResourceKind<TRecord, TShape> : IResourceKind
    where TRecord : class
    where TShape : class
{
    public required DocumentTable<TRecord> Table { get; init; }

    /// <summary>The resource in messages, capitalized: "Recording configuration".</summary>
    public required string Noun { get; init; }

    /// <summary>The plural in quota messages: "recording configurations".</summary>
    public required string Plural { get; init; }

    public required JsonTypeInfo<TShape> ShapeType { get; init; }

    /// <summary>The wire shape inside a record.</summary>
    public required Func<TRecord, TShape> Shape { get; init; }

    /// <summary>A new record like <c>record</c> but holding <c>shape</c> (what the record keeps beyond the shape carries over).</summary>
    public required Func<TRecord, TShape, TRecord> WithShape { get; init; }

    public required Func<TShape, Dictionary<string, string>?> Tags { get; init; }

    public required Action<TShape, Dictionary<string, string>> SetTags { get; init; }

    public string ArnType => Table.Kind;

    public TRecord? Find(string id) => Table.TryGet(id, out var record) ? record : null;

    /// <summary>
    /// Stores a changed copy of a record's shape (stored values are never mutated) and returns the copy.
    /// The copy is a deep clone, so <paramref name="change"/> may edit nested members freely.
    /// </summary>
    public TShape Replace(DocumentWrite write, string id, TRecord record, Action<TShape> change)
    {
        var shape = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(Shape(record), ShapeType), ShapeType)!;
        change(shape);
        write.Put(Table, id, WithShape(record, shape));
        return shape;
    }

    public IReadOnlyDictionary<string, string>? TagsOf(string id) => Find(id) is { } record ? (IReadOnlyDictionary<string, string>?)Tags(Shape(record)) ?? FrozenDictionary<string, string>.Empty : null;

    public bool TryReplaceTags(DocumentWrite write, string id, Dictionary<string, string> tags)
    {
        if (Find(id) is not { } record)
        {
            return false;
        }

        Replace(write, id, record, shape => SetTags(shape, tags));
        return true;
    }
}
