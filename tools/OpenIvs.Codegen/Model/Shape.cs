using System.Text.Json.Nodes;

namespace OpenIvs.Codegen.Model;

/// <summary>One shape of the merged service model.</summary>
public sealed class Shape(string id, ShapeType type, JsonObject traits)
{
    /// <summary>Absolute shape id, e.g. <c>com.amazonaws.ivs#Channel</c>.</summary>
    public string Id { get; } = id;

    public string Name => Id[(Id.IndexOf('#') + 1)..];

    public ShapeType Type { get; } = type;

    public JsonObject Traits { get; } = traits;

    /// <summary>Structure members in model order.</summary>
    public List<Member> Members { get; } = [];

    /// <summary>Enum values in model order (Smithy 2 enum shapes and strings with the enum trait).</summary>
    public List<EnumValue> EnumValues { get; } = [];

    public Member? ListMember { get; set; }

    public Member? MapKey { get; set; }

    public Member? MapValue { get; set; }

    // Operation shapes
    public string? Input { get; set; }

    public string? Output { get; set; }

    public List<string> Errors { get; } = [];

    // Service shape
    public List<string> Operations { get; } = [];

    public bool HasTrait(string trait) => Traits.ContainsKey(trait);

    public bool IsEnum => EnumValues.Count > 0;

    public Member? FindMember(string name) => Members.Find(m => m.Name == name);
}

public sealed record EnumValue(string Value, string? Documentation);
