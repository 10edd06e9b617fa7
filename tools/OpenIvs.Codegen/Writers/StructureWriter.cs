using System.Text.Json.Nodes;
using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>A structure becomes a sealed partial class with JSON names, HTTP bindings and generated validation.</summary>
public static class StructureWriter
{
    public static GeneratedFile Write(GenerationContext context, Shape shape)
    {
        var types = context.Types;
        var w = new CodeWriter().FileHeader(
            GenerationContext.ModelNamespace,
            "System.Text.Json.Serialization",
            "OpenIvs.Protocol.Serialization",
            "OpenIvs.Protocol.Validation");
        w.Doc(Docs.Summary((string?)shape.Traits[Traits.Documentation] ?? $"The {shape.Name} structure."));
        w.Open($"public sealed partial class {shape.Name} : IValidatable");
        foreach (var member in shape.Members)
        {
            WriteProperty(w, context, shape, member);
        }

        WriteValidate(w, context, shape);
        w.Line();
        WriteToString(w, context, shape);
        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/Model/{shape.Name}.g.cs", w.ToString());
    }

    private static void WriteProperty(CodeWriter w, GenerationContext context, Shape shape, Member member)
    {
        var types = context.Types;
        var property = Names.Property(member.Name);
        if (property == shape.Name)
        {
            throw new ModelException($"{shape.Name}.{member.Name}: a member may not share its structure's C# name.");
        }

        var doc = Docs.Summary(types.Documentation(member)).ToList();
        var binding = TypeMapper.BindingOf(member);
        var remarks = binding.Kind switch
        {
            BindingKind.Label => $"<remarks>Sent in the URI as the label <c>{{{binding.Name}}}</c>.</remarks>",
            BindingKind.Query => $"<remarks>Sent as the query parameter <c>{binding.Name}</c>.</remarks>",
            BindingKind.Header => $"<remarks>Sent as the HTTP header <c>{binding.Name}</c>.</remarks>",
            _ => null,
        };
        if (member.HasTrait(Traits.Required))
        {
            doc.Add("<remarks>Required.</remarks>");
        }

        if (remarks is not null)
        {
            doc.Add(remarks);
        }

        w.Doc(doc);
        if (binding.Kind == BindingKind.Body)
        {
            w.Line($"[JsonPropertyName({Names.Literal(member.Name)})]");
        }
        else
        {
            w.Line("[JsonIgnore]");
        }

        var target = context.Model.Get(member.Target);
        if (target.Type == ShapeType.Timestamp)
        {
            var format = (string?)target.Traits[Traits.TimestampFormat] ?? "date-time";
            if (format != "date-time")
            {
                throw new ModelException($"{shape.Name}.{member.Name}: timestamp format '{format}' is not supported.");
            }

            w.Line("[JsonConverter(typeof(DateTimeJsonConverter))]");
        }

        w.Line($"public {types.TypeOf(member.Target)}? {property} {{ get; set; }}");
        w.Line();
    }

    private static void WriteValidate(CodeWriter w, GenerationContext context, Shape shape)
    {
        w.Doc(["<inheritdoc />"]);
        w.Open("public void Validate(ref ValidationResult result, string path)");
        foreach (var member in shape.Members)
        {
            var property = Names.Property(member.Name);
            var target = context.Model.Get(member.Target);
            var pathExpr = $"new ValidationPath(path, {Names.Literal(member.Name)})";
            if (member.HasTrait(Traits.Required))
            {
                w.Line($"result.Required({property} is not null, {pathExpr});");
            }

            WriteValueChecks(w, context, member, target, property, member.Name, "path", index: null, key: null);
        }

        w.Close();
    }

    /// <summary>Emits the checks for one value: constraints of its shape (and of the member), then its contents.</summary>
    private static void WriteValueChecks(
        CodeWriter w, GenerationContext context, Member member, Shape target, string expr, string memberName,
        string parentPath, string? index, string? key)
    {
        var pathExpr = $"new ValidationPath({parentPath}, {Names.Literal(memberName)}"
            + (index is null ? string.Empty : $", Index: {index}")
            + (key is null ? string.Empty : $", Key: {key}") + ")";
        var length = context.Types.Trait<JsonObject>(member, Traits.Length);
        var range = context.Types.Trait<JsonObject>(member, Traits.Range);
        if (member.HasTrait(Traits.Pattern) || member.HasTrait(Traits.Length) || member.HasTrait(Traits.Range))
        {
            throw new ModelException($"{memberName}: constraint traits on members (not shapes) are not supported yet.");
        }

        var pattern = target.Traits[Traits.Pattern];
        var sensitive = target.HasTrait(Traits.Sensitive) ? ", sensitive: true" : string.Empty;

        switch (target.Type)
        {
            case ShapeType.String when target.IsEnum:
            case ShapeType.Enum:
                w.Line($"result.Enum({expr}, {pathExpr});");
                break;
            case ShapeType.String:
                if (length is not null)
                {
                    w.Line($"result.Length({expr}, {Bound(length, "min")}, {Bound(length, "max")}, {pathExpr}{sensitive});");
                }

                if (pattern is not null)
                {
                    w.Line($"result.Pattern({expr}, IvsPatterns.{target.Name}, {pathExpr}{sensitive});");
                }

                break;
            case ShapeType.Integer or ShapeType.Long:
                if (range is not null)
                {
                    w.Line($"result.Range({expr}, {Bound(range, "min")}, {Bound(range, "max")}, {pathExpr});");
                }

                break;
            case ShapeType.Boolean or ShapeType.Timestamp:
                break;
            case ShapeType.Structure:
                var childPath = index is null && key is null ? $"ValidationPath.Join({parentPath}, {Names.Literal(memberName)})" : $"{pathExpr}.ToString()";
                w.Line($"{expr}?.Validate(ref result, {childPath});");
                break;
            case ShapeType.List:
                if (length is not null)
                {
                    w.Line($"result.Count({expr}?.Count, {Bound(length, "min")}, {Bound(length, "max")}, {pathExpr});");
                }

                var element = target.ListMember!;
                var elementShape = context.Model.Get(element.Target);
                if (NeedsElementChecks(context, element, elementShape))
                {
                    var list = Names.Local(memberName).TrimStart('@') + "Items" + Depth(index);
                    var i = "i" + Depth(index);
                    w.Open($"if ({expr} is {{ }} {list})");
                    w.Open($"for (var {i} = 0; {i} < {list}.Count; {i}++)");
                    if (!IsValueType(elementShape))
                    {
                        w.Line($"result.Required({list}[{i}] is not null, new ValidationPath({parentPath}, {Names.Literal(memberName)}, Index: {i}));");
                    }

                    WriteValueChecks(w, context, element, elementShape, $"{list}[{i}]", memberName, parentPath, i, null);
                    w.Close();
                    w.Close();
                }

                break;
            case ShapeType.Map:
                if (length is not null)
                {
                    w.Line($"result.Count({expr}?.Count, {Bound(length, "min")}, {Bound(length, "max")}, {pathExpr});");
                }

                var map = Names.Local(memberName).TrimStart('@') + "Entries" + Depth(index);
                var entry = Names.Local(memberName).TrimStart('@') + "Entry" + Depth(index);
                var keyShape = context.Model.Get(target.MapKey!.Target);
                var valueShape = context.Model.Get(target.MapValue!.Target);
                w.Open($"if ({expr} is {{ }} {map})");
                w.Open($"foreach (var {entry} in {map})");
                WriteValueChecks(w, context, target.MapKey, keyShape, $"{entry}.Key", memberName, parentPath, null, $"{entry}.Key");
                if (!IsValueType(valueShape))
                {
                    w.Line($"result.Required({entry}.Value is not null, new ValidationPath({parentPath}, {Names.Literal(memberName)}, Key: {entry}.Key));");
                }

                WriteValueChecks(w, context, target.MapValue, valueShape, $"{entry}.Value", memberName, parentPath, null, $"{entry}.Key");
                w.Close();
                w.Close();
                break;
            default:
                throw new ModelException($"{member.Name}: no validation for {target.Type}");
        }
    }

    private static string Depth(string? index) => index is null ? string.Empty : "Inner";

    private static bool IsValueType(Shape shape) =>
        shape.IsEnum || shape.Type is ShapeType.Integer or ShapeType.Long or ShapeType.Boolean or ShapeType.Timestamp;

    private static bool NeedsElementChecks(GenerationContext context, Member element, Shape elementShape) =>
        elementShape.Type is ShapeType.Structure or ShapeType.List or ShapeType.Map
        || elementShape.IsEnum
        || context.Types.Trait<JsonObject>(element, Traits.Length) is not null
        || context.Types.Trait<JsonObject>(element, Traits.Range) is not null
        || context.Types.Trait<JsonValue>(element, Traits.Pattern) is not null
        || !IsValueType(elementShape);

    private static string Bound(JsonObject bounds, string name) =>
        bounds[name] is { } value ? value.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";

    private static void WriteToString(CodeWriter w, GenerationContext context, Shape shape)
    {
        w.Doc(["<summary>A readable form for logs; sensitive members are redacted.</summary>"]);
        w.Open("public override string ToString()");
        w.Line($"var builder = new System.Text.StringBuilder({Names.Literal(shape.Name + " {")});");
        var first = true;
        foreach (var member in shape.Members)
        {
            var property = Names.Property(member.Name);
            var target = context.Model.Get(member.Target);
            var separator = first ? " " : ", ";
            first = false;
            var value = target.HasTrait(Traits.Sensitive)
                ? $"({property} is null ? \"null\" : \"*** redacted ***\")"
                : target.Type is ShapeType.List or ShapeType.Map
                    ? $"({property} is null ? \"null\" : $\"[{{{property}.Count}}]\")"
                    : target.Type == ShapeType.String && !target.IsEnum
                        ? $"{property} ?? \"null\""
                        : $"{property}?.ToString() ?? \"null\"";
            w.Line($"builder.Append({Names.Literal(separator + property + " = ")}).Append({value});");
        }

        w.Line("return builder.Append(\" }\").ToString();");
        w.Close();
    }
}
