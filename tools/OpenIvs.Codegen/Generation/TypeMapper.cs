using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Generation;

/// <summary>Maps model shapes to C# types. Every member is nullable: "absent" and "default" differ on the wire.</summary>
public sealed class TypeMapper(ServiceModel model)
{
    public ServiceModel Model { get; } = model;

    /// <summary>The C# type of a value of <paramref name="shapeId"/>, without the nullable marker.</summary>
    public string TypeOf(string shapeId)
    {
        var shape = Model.Get(shapeId);
        return shape.Type switch
        {
            ShapeType.String when shape.IsEnum => shape.Name,
            ShapeType.Enum => shape.Name,
            ShapeType.String => "string",
            ShapeType.Integer => "int",
            ShapeType.Long => "long",
            ShapeType.Boolean => "bool",
            ShapeType.Timestamp => "DateTimeOffset",
            ShapeType.List => $"List<{TypeOf(shape.ListMember!.Target)}>",
            ShapeType.Map when Model.Get(shape.MapKey!.Target).Type == ShapeType.String =>
                $"Dictionary<string, {TypeOf(shape.MapValue!.Target)}>",
            ShapeType.Structure => shape.Name,
            _ => throw new ModelException($"{shape.Id}: no C# mapping for {shape.Type}"),
        };
    }

    public bool IsEnum(string shapeId) => Model.Get(shapeId).IsEnum;

    public bool IsStructure(string shapeId) => Model.Get(shapeId).Type == ShapeType.Structure;

    public bool IsError(Shape shape) => shape.HasTrait(Traits.Error);

    /// <summary>Where a member travels in a restJson1 request or response.</summary>
    public static Binding BindingOf(Member member)
    {
        if (member.Traits[Traits.HttpLabel] is not null)
        {
            return new Binding(BindingKind.Label, member.Name);
        }

        if (member.Traits[Traits.HttpQuery] is { } query)
        {
            return new Binding(BindingKind.Query, (string)query!);
        }

        if (member.Traits[Traits.HttpHeader] is { } header)
        {
            return new Binding(BindingKind.Header, (string)header!);
        }

        return new Binding(BindingKind.Body, member.Name);
    }

    /// <summary>Constraint and documentation traits of a member: the member's own over its target's.</summary>
    public T? Trait<T>(Member member, string trait) where T : class
    {
        var node = member.Traits[trait] ?? Model.Get(member.Target).Traits[trait];
        return node as T;
    }

    public string? Documentation(Member member) =>
        (string?)member.Traits[Traits.Documentation] ?? (string?)Model.Get(member.Target).Traits[Traits.Documentation];
}

public enum BindingKind
{
    Body,
    Label,
    Query,
    Header,
}

public readonly record struct Binding(BindingKind Kind, string Name);
