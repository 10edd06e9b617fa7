using System.Text.Json.Nodes;

namespace OpenIvs.Codegen.Model;

/// <summary>A member of a structure (or the element/key/value of a list or map).</summary>
public sealed class Member(string name, string target, JsonObject traits)
{
    public string Name { get; } = name;

    /// <summary>Absolute shape id of the target, e.g. <c>com.amazonaws.ivs#ChannelName</c>.</summary>
    public string Target { get; set; } = target;

    public JsonObject Traits { get; } = traits;

    public bool HasTrait(string trait) => Traits.ContainsKey(trait);
}
