namespace OpenIvs.Codegen.Model;

/// <summary>The merged, validated model the generator works from.</summary>
public sealed class ServiceModel
{
    public const string Namespace = "com.amazonaws.ivs";

    public Dictionary<string, Shape> Shapes { get; } = new(StringComparer.Ordinal);

    public required Shape Service { get; init; }

    /// <summary>AWS partition metadata (spec/partitions.json) for the endpoint rules' <c>aws.partition</c>.</summary>
    public System.Text.Json.Nodes.JsonObject? Partitions { get; set; }

    /// <summary>Notes on what the overlay and errata changed, written into generated headers and docs.</summary>
    public List<string> MergeNotes { get; } = [];

    public Shape Get(string id) =>
        Shapes.TryGetValue(id, out var shape)
            ? shape
            : throw new ModelException($"Shape '{id}' is referenced but not defined.");

    public bool IsPrelude(string id) => id.StartsWith("smithy.api#", StringComparison.Ordinal);

    public IEnumerable<Shape> OperationShapes =>
        Service.Operations.Select(Get).OrderBy(o => o.Name, StringComparer.Ordinal);

    public static string IdOf(string name) => $"{Namespace}#{name}";
}

public sealed class ModelException(string message) : Exception(message);
