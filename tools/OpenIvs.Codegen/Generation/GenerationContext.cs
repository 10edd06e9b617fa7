using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Generation;

/// <summary>What every writer needs: the model, the type mapping, and where output goes.</summary>
public sealed class GenerationContext(ServiceModel model)
{
    public const string ProtocolDir = "src/OpenIvs.Protocol/Generated";
    public const string ServerDir = "src/OpenIvs.Server/Api/Generated";
    public const string ClientDir = "src/OpenIvs.Client/Generated";
    public const string CliDir = "src/OpenIvs.Cli/Generated";
    public const string ModelNamespace = "OpenIvs.Protocol.Model";

    public ServiceModel Model { get; } = model;

    public TypeMapper Types { get; } = new(model);

    /// <summary>Structures that are not errors, by name.</summary>
    public IEnumerable<Shape> Structures =>
        Model.Shapes.Values
            .Where(s => s.Type == ShapeType.Structure && !s.HasTrait(Traits.Error) && !IsUnit(s))
            .OrderBy(s => s.Name, StringComparer.Ordinal);

    public IEnumerable<Shape> Errors =>
        Model.Shapes.Values.Where(s => s.HasTrait(Traits.Error)).OrderBy(s => s.Name, StringComparer.Ordinal);

    public IEnumerable<Shape> Enums =>
        Model.Shapes.Values.Where(s => s.IsEnum).OrderBy(s => s.Name, StringComparer.Ordinal);

    public IEnumerable<Shape> Operations => Model.OperationShapes;

    /// <summary>Shapes with a pattern trait; each gets a generated regex named after the shape.</summary>
    public IEnumerable<Shape> PatternShapes =>
        Model.Shapes.Values.Where(s => s.HasTrait(Traits.Pattern)).OrderBy(s => s.Name, StringComparer.Ordinal);

    public static bool IsUnit(Shape shape) => shape.Id == "smithy.api#Unit";

    public Shape Input(Shape operation) => Model.Get(operation.Input ?? throw new ModelException($"{operation.Id}: no input"));

    /// <summary>The output structure, or null when the operation returns Unit (nothing).</summary>
    public Shape? Output(Shape operation)
    {
        var output = Model.Get(operation.Output ?? throw new ModelException($"{operation.Id}: no output"));
        return IsUnit(output) ? null : output;
    }

    public (string Method, string Uri, int Code) Http(Shape operation)
    {
        var http = operation.Traits[Traits.Http]?.AsObject() ?? throw new ModelException($"{operation.Id}: no http trait");
        return ((string)http["method"]!, (string)http["uri"]!, http["code"]?.GetValue<int>() ?? 200);
    }
}
