using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>
/// An enum becomes a string-backed struct: known values are static properties, and any other string the
/// service sends is kept as it is, so a value added to the service later survives a round trip.
/// </summary>
public static class EnumWriter
{
    public static GeneratedFile Write(GenerationContext context, Shape shape)
    {
        var name = shape.Name;
        var w = new CodeWriter().FileHeader(
            GenerationContext.ModelNamespace, "System.Text.Json.Serialization", "OpenIvs.Protocol.Serialization");
        w.Doc(Docs.Summary((string?)shape.Traits[Traits.Documentation] ?? $"Values of {name}."));
        w.Line($"[JsonConverter(typeof(StringEnumJsonConverter<{name}>))]");
        w.Open($"public readonly partial struct {name} : IStringEnum<{name}>");
        foreach (var value in shape.EnumValues)
        {
            w.Doc(Docs.Summary(value.Documentation ?? $"<code>{value.Value}</code>"));
            w.Line($"public static {name} {Names.EnumMember(value.Value)} {{ get; }} = new({Names.Literal(value.Value)});");
            w.Line();
        }

        w.Line($"private static readonly {name}[] KnownValues =");
        w.Line("[");
        w.Indent();
        foreach (var value in shape.EnumValues)
        {
            w.Line($"{Names.EnumMember(value.Value)},");
        }

        w.Outdent();
        w.Line("];");
        w.Line();
        w.Line("private readonly string? _value;");
        w.Line();
        w.Doc(["<summary>Creates a value; <paramref name=\"value\"/> may be one the model does not know.</summary>"]);
        w.Line($"public {name}(string value) => _value = value ?? throw new ArgumentNullException(nameof(value));");
        w.Line();
        w.Doc(["<summary>The value as sent on the wire.</summary>"]);
        w.Line("public string Value => _value ?? string.Empty;");
        w.Line();
        w.Doc(["<summary>Whether the value is one of those the model defines.</summary>"]);
        var known = string.Join(" or ", shape.EnumValues.Select(v => Names.Literal(v.Value)));
        w.Line($"public bool IsKnown => Value is {known};");
        w.Line();
        w.Doc(["<summary>The values the model defines, in model order.</summary>"]);
        w.Line($"public static IReadOnlyList<{name}> Values => KnownValues;");
        w.Line();
        w.Line($"public static {name} Create(string value) => new(value);");
        w.Line();
        w.Line($"public static implicit operator {name}(string value) => new(value);");
        w.Line();
        w.Line($"public static bool operator ==({name} left, {name} right) => left.Equals(right);");
        w.Line();
        w.Line($"public static bool operator !=({name} left, {name} right) => !left.Equals(right);");
        w.Line();
        w.Line($"public bool Equals({name} other) => string.Equals(Value, other.Value, StringComparison.Ordinal);");
        w.Line();
        w.Line($"public override bool Equals(object? obj) => obj is {name} other && Equals(other);");
        w.Line();
        w.Line("public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);");
        w.Line();
        w.Line("public override string ToString() => Value;");
        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/Model/{name}.g.cs", w.ToString());
    }
}
