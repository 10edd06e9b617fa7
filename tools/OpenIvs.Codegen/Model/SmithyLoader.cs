using System.Text.Json.Nodes;

namespace OpenIvs.Codegen.Model;

/// <summary>Reads a Smithy 2.0 JSON AST file into <see cref="ServiceModel"/>.</summary>
public static class SmithyLoader
{
    public static ServiceModel Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject()
            ?? throw new ModelException($"{path}: not a JSON object");
        var version = (string?)root["smithy"];
        if (version is null || !version.StartsWith('2'))
        {
            throw new ModelException($"{path}: Smithy IDL version '{version}' is not supported (need 2.x).");
        }

        var shapes = new Dictionary<string, Shape>(StringComparer.Ordinal);
        Shape? service = null;
        foreach (var (id, node) in root["shapes"]!.AsObject())
        {
            var shape = ReadShape(id, node!.AsObject());
            shapes.Add(id, shape);
            if (shape.Type == ShapeType.Service)
            {
                service = service is null ? shape : throw new ModelException("More than one service shape.");
            }
        }

        // The prelude's Unit is the "no input/output" marker (the 204 operations have a Unit output).
        shapes.TryAdd("smithy.api#Unit", new Shape("smithy.api#Unit", ShapeType.Structure, []));
        var model = new ServiceModel { Service = service ?? throw new ModelException("No service shape.") };
        foreach (var (id, shape) in shapes)
        {
            model.Shapes.Add(id, shape);
        }

        return model;
    }

    private static Shape ReadShape(string id, JsonObject node)
    {
        var typeName = (string?)node["type"] ?? throw new ModelException($"{id}: no type");
        var type = typeName switch
        {
            "service" => ShapeType.Service,
            "operation" => ShapeType.Operation,
            "structure" => ShapeType.Structure,
            "string" => ShapeType.String,
            "enum" => ShapeType.Enum,
            "integer" => ShapeType.Integer,
            "long" => ShapeType.Long,
            "boolean" => ShapeType.Boolean,
            "timestamp" => ShapeType.Timestamp,
            "list" => ShapeType.List,
            "map" => ShapeType.Map,
            _ => throw new ModelException($"{id}: shape type '{typeName}' is not supported by this generator."),
        };
        var shape = new Shape(id, type, CloneTraits(node["traits"]));
        CheckTraits(id, shape.Traits);

        switch (type)
        {
            case ShapeType.Structure:
                foreach (var (name, member) in node["members"]?.AsObject() ?? [])
                {
                    shape.Members.Add(ReadMember(id, name, member!.AsObject()));
                }

                break;
            case ShapeType.Enum:
                foreach (var (name, member) in node["members"]!.AsObject())
                {
                    var traits = member!["traits"]?.AsObject();
                    var value = (string?)traits?[Traits.EnumValue] ?? name;
                    shape.EnumValues.Add(new EnumValue(value, (string?)traits?[Traits.Documentation]));
                }

                break;
            case ShapeType.String when shape.HasTrait(Traits.Enum):
                foreach (var entry in shape.Traits[Traits.Enum]!.AsArray())
                {
                    shape.EnumValues.Add(new EnumValue((string)entry!["value"]!, (string?)entry["documentation"]));
                }

                break;
            case ShapeType.List:
                shape.ListMember = ReadMember(id, "member", node["member"]!.AsObject());
                break;
            case ShapeType.Map:
                shape.MapKey = ReadMember(id, "key", node["key"]!.AsObject());
                shape.MapValue = ReadMember(id, "value", node["value"]!.AsObject());
                break;
            case ShapeType.Operation:
                shape.Input = (string?)node["input"]?["target"];
                shape.Output = (string?)node["output"]?["target"];
                foreach (var error in node["errors"]?.AsArray() ?? [])
                {
                    shape.Errors.Add((string)error!["target"]!);
                }

                break;
            case ShapeType.Service:
                foreach (var op in node["operations"]?.AsArray() ?? [])
                {
                    shape.Operations.Add((string)op!["target"]!);
                }

                if (node["resources"] is JsonArray { Count: > 0 })
                {
                    throw new ModelException($"{id}: service resources are not supported.");
                }

                break;
        }

        return shape;
    }

    private static Member ReadMember(string owner, string name, JsonObject node)
    {
        var traits = CloneTraits(node["traits"]);
        CheckTraits($"{owner}${name}", traits);
        return new Member(name, (string)node["target"]!, traits);
    }

    private static JsonObject CloneTraits(JsonNode? traits) =>
        traits is null ? [] : JsonNode.Parse(traits.ToJsonString())!.AsObject();

    private static void CheckTraits(string where, JsonObject traits)
    {
        foreach (var (trait, _) in traits)
        {
            if (!Traits.Supported.Contains(trait))
            {
                throw new ModelException($"{where}: trait '{trait}' is not supported by this generator.");
            }
        }
    }
}
