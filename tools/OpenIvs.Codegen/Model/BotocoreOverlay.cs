using System.Text.Json.Nodes;

namespace OpenIvs.Codegen.Model;

/// <summary>
/// Applies what the newer botocore model adds to the Smithy model. The Smithy file is the base because it
/// carries traits botocore lacks (defaults, endpoint rules and tests, anchored patterns); botocore is
/// about two months newer. Rules:
/// <list type="bullet">
/// <item><description>operations and shapes that exist only in botocore are translated and added;</description></item>
/// <item><description>structure members that exist only in botocore are added;</description></item>
/// <item><description>length/range bounds that differ are taken from botocore (the newer one);</description></item>
/// <item><description>everything else (patterns, documentation, defaults) stays as Smithy has it.</description></item>
/// </list>
/// </summary>
public static class BotocoreOverlay
{
    public static void Apply(ServiceModel model, string botocorePath)
    {
        var root = JsonNode.Parse(File.ReadAllText(botocorePath))!.AsObject();
        var shapes = root["shapes"]!.AsObject();
        var operations = root["operations"]!.AsObject();

        foreach (var (name, node) in shapes)
        {
            var id = ServiceModel.IdOf(name);
            if (!model.Shapes.TryGetValue(id, out var existing))
            {
                model.Shapes.Add(id, Translate(id, node!.AsObject()));
                model.MergeNotes.Add($"shape {name} added from botocore");
                continue;
            }

            MergeShape(model, existing, node!.AsObject());
        }

        foreach (var (name, node) in operations)
        {
            var id = ServiceModel.IdOf(name);
            if (model.Shapes.ContainsKey(id))
            {
                continue;
            }

            model.Shapes.Add(id, TranslateOperation(id, node!.AsObject()));
            model.Service.Operations.Add(id);
            model.MergeNotes.Add($"operation {name} added from botocore");
        }
    }

    private static void MergeShape(ServiceModel model, Shape shape, JsonObject node)
    {
        if (shape.Type == ShapeType.Structure)
        {
            var required = RequiredSet(node);
            foreach (var (memberName, memberNode) in node["members"]?.AsObject() ?? [])
            {
                if (shape.FindMember(memberName) is null)
                {
                    shape.Members.Add(TranslateMember(memberName, memberNode!.AsObject(), required));
                    model.MergeNotes.Add($"member {shape.Name}.{memberName} added from botocore");
                }
            }
        }

        var boundsTrait = shape.Type is ShapeType.Integer or ShapeType.Long ? Traits.Range : Traits.Length;
        var min = node["min"]?.GetValue<long>();
        var max = node["max"]?.GetValue<long>();
        if (min is null && max is null)
        {
            return;
        }

        var current = shape.Traits[boundsTrait]?.AsObject();
        var currentMin = current?["min"]?.GetValue<long>();
        var currentMax = current?["max"]?.GetValue<long>();
        if (currentMin == min && currentMax == max)
        {
            return;
        }

        // botocore writes min 0 where Smithy leaves the bound out; that is the same constraint.
        if ((min ?? 0) == (currentMin ?? 0) && currentMax == max)
        {
            return;
        }

        shape.Traits[boundsTrait] = Bounds(min, max);
        model.MergeNotes.Add(
            $"{shape.Name} bounds {Describe(currentMin, currentMax)} -> {Describe(min, max)} from botocore");
    }

    private static string Describe(long? min, long? max) => $"[{min?.ToString() ?? "-"}..{max?.ToString() ?? "-"}]";

    private static JsonObject Bounds(long? min, long? max)
    {
        var bounds = new JsonObject();
        if (min is not null)
        {
            bounds["min"] = min;
        }

        if (max is not null)
        {
            bounds["max"] = max;
        }

        return bounds;
    }

    private static HashSet<string> RequiredSet(JsonObject node) =>
        node["required"]?.AsArray().Select(n => (string)n!).ToHashSet(StringComparer.Ordinal) ?? [];

    private static Shape Translate(string id, JsonObject node)
    {
        var typeName = (string)node["type"]!;
        var traits = new JsonObject();
        if (node["documentation"] is JsonNode doc)
        {
            traits[Traits.Documentation] = (string)doc!;
        }

        if (node["sensitive"] is JsonNode sensitive && (bool)sensitive!)
        {
            traits[Traits.Sensitive] = new JsonObject();
        }

        var isNumber = typeName is "integer" or "long";
        if (node["min"] is not null || node["max"] is not null)
        {
            traits[isNumber ? Traits.Range : Traits.Length] =
                Bounds(node["min"]?.GetValue<long>(), node["max"]?.GetValue<long>());
        }

        if (node["pattern"] is JsonNode pattern)
        {
            // botocore strips the anchors Smithy patterns carry; restore them (Smithy patterns are unanchored).
            traits[Traits.Pattern] = $"^{(string)pattern!}$";
        }

        if (node["exception"] is not null)
        {
            var fault = node["fault"] is not null ? "server" : "client";
            traits[Traits.Error] = fault;
            traits[Traits.HttpError] = node["error"]?["httpStatusCode"]?.GetValue<int>() ?? 400;
        }

        var type = typeName switch
        {
            "structure" => ShapeType.Structure,
            "string" => node["enum"] is null ? ShapeType.String : ShapeType.Enum,
            "integer" => ShapeType.Integer,
            "long" => ShapeType.Long,
            "boolean" => ShapeType.Boolean,
            "timestamp" => ShapeType.Timestamp,
            "list" => ShapeType.List,
            "map" => ShapeType.Map,
            _ => throw new ModelException($"botocore shape {id}: type '{typeName}' is not supported."),
        };
        var shape = new Shape(id, type, traits);
        switch (type)
        {
            case ShapeType.Structure:
                var required = RequiredSet(node);
                foreach (var (memberName, memberNode) in node["members"]?.AsObject() ?? [])
                {
                    shape.Members.Add(TranslateMember(memberName, memberNode!.AsObject(), required));
                }

                break;
            case ShapeType.Enum:
                foreach (var value in node["enum"]!.AsArray())
                {
                    shape.EnumValues.Add(new EnumValue((string)value!, null));
                }

                break;
            case ShapeType.List:
                shape.ListMember = new Member("member", ServiceModel.IdOf((string)node["member"]!["shape"]!), []);
                break;
            case ShapeType.Map:
                shape.MapKey = new Member("key", ServiceModel.IdOf((string)node["key"]!["shape"]!), []);
                shape.MapValue = new Member("value", ServiceModel.IdOf((string)node["value"]!["shape"]!), []);
                break;
            case ShapeType.Timestamp:
                traits[Traits.TimestampFormat] = (string?)node["timestampFormat"] ?? "date-time";
                break;
        }

        return shape;
    }

    private static Member TranslateMember(string name, JsonObject node, HashSet<string> required)
    {
        var traits = new JsonObject();
        if (node["documentation"] is JsonNode doc)
        {
            traits[Traits.Documentation] = (string)doc!;
        }

        if (required.Contains(name))
        {
            traits[Traits.Required] = new JsonObject();
        }

        switch ((string?)node["location"])
        {
            case null:
                break;
            case "header":
                traits[Traits.HttpHeader] = (string)node["locationName"]!;
                break;
            case "querystring":
                traits[Traits.HttpQuery] = (string)node["locationName"]!;
                break;
            case "uri":
                traits[Traits.HttpLabel] = new JsonObject();
                break;
            case var other:
                throw new ModelException($"botocore member {name}: location '{other}' is not supported.");
        }

        return new Member(name, ServiceModel.IdOf((string)node["shape"]!), traits);
    }

    private static Shape TranslateOperation(string id, JsonObject node)
    {
        var traits = new JsonObject
        {
            [Traits.Http] = new JsonObject
            {
                ["method"] = (string)node["http"]!["method"]!,
                ["uri"] = (string)node["http"]!["requestUri"]!,
                ["code"] = node["http"]!["responseCode"]?.GetValue<int>() ?? 200,
            },
        };
        if (node["documentation"] is JsonNode doc)
        {
            traits[Traits.Documentation] = (string)doc!;
        }

        var shape = new Shape(id, ShapeType.Operation, traits)
        {
            Input = node["input"] is JsonNode input ? ServiceModel.IdOf((string)input["shape"]!) : null,
            Output = node["output"] is JsonNode output ? ServiceModel.IdOf((string)output["shape"]!) : null,
        };
        foreach (var error in node["errors"]?.AsArray() ?? [])
        {
            shape.Errors.Add(ServiceModel.IdOf((string)error!["shape"]!));
        }

        return shape;
    }
}
