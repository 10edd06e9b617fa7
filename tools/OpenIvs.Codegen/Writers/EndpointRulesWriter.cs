using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>
/// Compiles the service's <c>smithy.rules#endpointRuleSet</c> into plain C#: each rule becomes nested
/// <c>if</c>s over its conditions, ending in an endpoint URL or an error. Supports the functions the rule set
/// language's AWS profile uses here (<c>isSet</c>, <c>not</c>, <c>booleanEquals</c>, <c>stringEquals</c>,
/// <c>getAttr</c>, <c>aws.partition</c>) and fails on any other, so a model update that needs more is noticed.
/// Also writes the partition table that <c>aws.partition</c> reads (spec/partitions.json).
/// </summary>
public static class EndpointRulesWriter
{
    private const string Namespace = "OpenIvs.Client.Runtime";

    private static readonly Dictionary<string, string> PartitionAttributes = new(StringComparer.Ordinal)
    {
        ["name"] = "string",
        ["dnsSuffix"] = "string",
        ["dualStackDnsSuffix"] = "string",
        ["implicitGlobalRegion"] = "string",
        ["supportsFIPS"] = "bool",
        ["supportsDualStack"] = "bool",
    };

    public static IEnumerable<GeneratedFile> Write(GenerationContext context)
    {
        yield return WriteRules(context);
        yield return WritePartitions(context);
    }

    private static GeneratedFile WriteRules(GenerationContext context)
    {
        var ruleSet = context.Model.Service.Traits[Traits.EndpointRuleSet]?.AsObject()
            ?? throw new ModelException("The service has no smithy.rules#endpointRuleSet.");
        if ((string?)ruleSet["version"] != "1.0")
        {
            throw new ModelException($"Endpoint rule set version '{ruleSet["version"]}' is not supported.");
        }

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new List<string>();
        var docs = new List<string> { "<summary>Resolves the endpoint from the rule set's parameters.</summary>" };
        foreach (var (name, node) in ruleSet["parameters"]!.AsObject())
        {
            var type = (string)node!["type"]!;
            var required = node["required"]?.GetValue<bool>() ?? false;
            var hasDefault = node["default"] is not null;
            var csType = type switch
            {
                "string" or "String" => "string",
                "boolean" or "Boolean" => "bool",
                _ => throw new ModelException($"Endpoint parameter {name}: type '{type}' is not supported."),
            };
            if (!(required && hasDefault))
            {
                csType += "?";
            }

            variables[name] = csType;
            parameters.Add($"{csType} {Names.Local(name)}");
            docs.Add($"<param name=\"{Names.Local(name)}\">{Escape((string?)node["documentation"] ?? name)} (built-in <c>{node["builtIn"]}</c>{(hasDefault ? $", default <c>{node["default"]!.ToJsonString()}</c>" : string.Empty)}).</param>");
        }

        docs.Add("<returns>The endpoint URL, or the rule set's error.</returns>");
        var w = new CodeWriter().FileHeader(Namespace);
        w.Doc([
            "<summary>",
            "The model's endpoint rules (<c>smithy.rules#endpointRuleSet</c>) compiled to C#; checked against the",
            "model's <c>smithy.rules#endpointTests</c>.",
            "</summary>",
        ]);
        w.Open("internal static class IvsEndpointRules");
        w.Doc(docs);
        w.Open($"public static EndpointRuleResult Resolve({string.Join(", ", parameters)})");
        if (!WriteRuleList(w, ruleSet["rules"]!.AsArray(), variables))
        {
            w.Line("return EndpointRuleResult.Failure(\"No endpoint rule matched.\");");
        }

        w.Close();
        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/IvsEndpointRules.g.cs", w.ToString());
    }

    /// <summary>Writes rules in order; returns whether the list always returns (its last rule has no conditions).</summary>
    private static bool WriteRuleList(CodeWriter w, JsonArray rules, Dictionary<string, string> variables)
    {
        foreach (var node in rules)
        {
            var rule = node!.AsObject();
            var scope = new Dictionary<string, string>(variables, StringComparer.Ordinal);
            var conditions = rule["conditions"]?.AsArray() ?? [];
            foreach (var condition in conditions)
            {
                w.Open($"if ({Condition(condition!.AsObject(), scope)})");
            }

            WriteRuleBody(w, rule, scope);
            for (var i = 0; i < conditions.Count; i++)
            {
                w.Close();
            }

            if (conditions.Count == 0)
            {
                if (!ReferenceEquals(node, rules[^1]))
                {
                    throw new ModelException("An endpoint rule without conditions is followed by rules that can never apply.");
                }

                return true;
            }

            w.Line();
        }

        return false;
    }

    private static void WriteRuleBody(CodeWriter w, JsonObject rule, Dictionary<string, string> scope)
    {
        switch ((string?)rule["type"])
        {
            case "endpoint":
                var endpoint = rule["endpoint"]!.AsObject();
                foreach (var extra in new[] { "properties", "headers" })
                {
                    if (endpoint[extra] is JsonObject { Count: > 0 })
                    {
                        throw new ModelException($"Endpoint {extra} are not supported by this generator.");
                    }
                }

                w.Line($"return EndpointRuleResult.Endpoint({Value(endpoint["url"]!, scope, out _)});");
                break;
            case "error":
                w.Line($"return EndpointRuleResult.Failure({Value(rule["error"]!, scope, out _)});");
                break;
            case "tree":
                // A tree whose conditions hold is final: when none of its rules applies, resolution fails.
                if (!WriteRuleList(w, rule["rules"]!.AsArray(), scope))
                {
                    w.Line("return EndpointRuleResult.Failure(\"No endpoint rule matched.\");");
                }

                break;
            default:
                throw new ModelException($"Endpoint rule type '{rule["type"]}' is not supported.");
        }
    }

    private static string Condition(JsonObject condition, Dictionary<string, string> scope)
    {
        var expression = Function(condition, scope, out var type);
        if (condition["assign"] is { } assign)
        {
            var name = (string)assign!;
            if (scope.ContainsKey(name))
            {
                throw new ModelException($"Endpoint rules assign '{name}' twice.");
            }

            scope[name] = type.TrimEnd('?');
            return $"{expression} is {{ }} {Names.Local(name)}";
        }

        return type switch
        {
            "bool" => expression,
            "bool?" => $"{expression} == true",
            _ when type.EndsWith('?') => $"{expression} is not null",
            _ => "true",
        };
    }

    private static string Function(JsonObject node, Dictionary<string, string> scope, out string type)
    {
        var fn = (string)node["fn"]!;
        var argv = node["argv"]!.AsArray();
        string Arg(int i, out string argType) => Value(argv[i]!, scope, out argType);
        switch (fn)
        {
            case "isSet":
            {
                var value = Arg(0, out var valueType);
                type = "bool";
                return valueType.EndsWith('?') ? $"{value} is not null" : "true";
            }

            case "not":
            {
                var value = Arg(0, out var valueType);
                type = "bool";
                return valueType == "bool" ? $"!({value})" : throw new ModelException("not() needs a boolean.");
            }

            case "booleanEquals":
            {
                var left = Arg(0, out _);
                var right = Arg(1, out _);
                type = "bool";
                return $"{left} == {right}";
            }

            case "stringEquals":
            {
                var left = Arg(0, out _);
                var right = Arg(1, out _);
                type = "bool";
                return $"string.Equals({left}, {right}, StringComparison.Ordinal)";
            }

            case "aws.partition":
            {
                var region = Arg(0, out _);
                type = "AwsPartition?";
                return $"AwsPartitions.Resolve({region})";
            }

            case "getAttr":
            {
                var target = Arg(0, out var targetType);
                var path = (string)argv[1]!;
                if (targetType != "AwsPartition" || !PartitionAttributes.TryGetValue(path, out var attributeType))
                {
                    throw new ModelException($"getAttr({targetType}, '{path}') is not supported.");
                }

                type = attributeType;
                return $"{target}.{Names.Property(path)}";
            }

            default:
                throw new ModelException($"Endpoint rule function '{fn}' is not supported by this generator.");
        }
    }

    private static string Value(JsonNode node, Dictionary<string, string> scope, out string type)
    {
        switch (node)
        {
            case JsonObject obj when obj["ref"] is { } reference:
                var name = (string)reference!;
                type = scope.TryGetValue(name, out var known) ? known : throw new ModelException($"Endpoint rules refer to unknown '{name}'.");
                return Names.Local(name);
            case JsonObject obj when obj["fn"] is not null:
                return Function(obj, scope, out type);
            case JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                type = "bool";
                return value.GetValue<bool>() ? "true" : "false";
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                type = "string";
                return Template(value.GetValue<string>(), scope);
            default:
                throw new ModelException($"Endpoint rule value {node.ToJsonString()} is not supported.");
        }
    }

    /// <summary>A rule set template string (<c>https://ivs.{Region}.{PartitionResult#dnsSuffix}</c>) as a C# expression.</summary>
    private static string Template(string template, Dictionary<string, string> scope)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            return Names.Literal(template);
        }

        var builder = new StringBuilder("$\"");
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c == '{')
            {
                var close = template.IndexOf('}', i);
                var reference = template[(i + 1)..close];
                var hash = reference.IndexOf('#', StringComparison.Ordinal);
                var name = hash < 0 ? reference : reference[..hash];
                if (!scope.TryGetValue(name, out var type))
                {
                    throw new ModelException($"Endpoint template '{template}' refers to unknown '{name}'.");
                }

                var expression = Names.Local(name);
                if (hash >= 0)
                {
                    var attribute = reference[(hash + 1)..];
                    if (type != "AwsPartition" || !PartitionAttributes.ContainsKey(attribute))
                    {
                        throw new ModelException($"Endpoint template '{template}': '{reference}' is not supported.");
                    }

                    expression += "." + Names.Property(attribute);
                }

                builder.Append('{').Append(expression).Append('}');
                i = close + 1;
                continue;
            }

            var literal = Names.Literal(c.ToString());
            builder.Append(literal[1..^1]);
            i++;
        }

        return builder.Append('"').ToString();
    }

    private static GeneratedFile WritePartitions(GenerationContext context)
    {
        var root = context.Model.Partitions ?? throw new ModelException("No partitions (spec/partitions.json) loaded.");
        var w = new CodeWriter().FileHeader(Namespace, "System.Text.RegularExpressions");
        w.Doc([
            "<summary>",
            "AWS partitions (spec/partitions.json), for the endpoint rules' <c>aws.partition</c>: a known region's",
            "partition, else the first whose region pattern matches, else <c>aws</c>.",
            "</summary>",
        ]);
        w.Open("internal static partial class AwsPartitions");
        w.Line("public static IReadOnlyList<AwsPartition> All { get; } =");
        w.Line("[");
        w.Indent();
        var index = 0;
        var patterns = new List<string>();
        foreach (var partition in root["partitions"]!.AsArray())
        {
            var outputs = partition!["outputs"]!;
            var regions = partition["regions"]!.AsObject().Select(r => Names.Literal(r.Key));
            var pattern = (string)partition["regionRegex"]!;
            patterns.Add(pattern);
            w.Line($"new({Names.Literal((string)partition["id"]!)}, {Names.Literal((string)outputs["dnsSuffix"]!)}, {Names.Literal((string)outputs["dualStackDnsSuffix"]!)}, " +
                   $"{Bool(outputs["supportsFIPS"])}, {Bool(outputs["supportsDualStack"])}, {Names.Literal((string)outputs["implicitGlobalRegion"]!)}, " +
                   $"RegionPattern{index}(), [{string.Join(", ", regions)}]),");
            index++;
        }

        w.Outdent();
        w.Line("];");
        for (var i = 0; i < patterns.Count; i++)
        {
            w.Line();
            w.Line($"[GeneratedRegex({Names.Literal(patterns[i])}, RegexOptions.CultureInvariant)]");
            w.Line($"private static partial Regex RegionPattern{i}();");
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/AwsPartitions.g.cs", w.ToString());
    }

    private static string Bool(JsonNode? node) => node?.GetValue<bool>() == true ? "true" : "false";

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
