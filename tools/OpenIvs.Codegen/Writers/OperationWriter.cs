using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>Operation descriptors (HTTP binding, traits, errors, pagination) shared by server and SDK.</summary>
public static class OperationWriter
{
    public static GeneratedFile Write(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader("OpenIvs.Protocol.Operations", "OpenIvs.Protocol.Model");
        w.Doc(["<summary>Every operation of the service, as the model describes it.</summary>"]);
        w.Open("public static partial class IvsOperations");
        foreach (var operation in context.Operations)
        {
            var (method, uri, code) = context.Http(operation);
            var errors = string.Join(", ", operation.Errors.Select(e => $"{context.Model.Get(e).Name}.Code"));
            var paginated = operation.Traits[Traits.Paginated]?.AsObject();
            var pagination = paginated is null
                ? "null"
                : $"new PaginationInfo({Lit(paginated["inputToken"])}, {Lit(paginated["outputToken"])}, {Lit(paginated["pageSize"])}, {Lit(paginated["items"])})";
            w.Doc([$"<summary><c>{method} {uri}</c> ({code}).</summary>"]);
            w.Line($"public static OperationInfo {operation.Name} {{ get; }} = new(");
            w.Indent();
            w.Line($"Name: {Names.Literal(operation.Name)},");
            w.Line($"Method: {Names.Literal(method)},");
            w.Line($"UriTemplate: {Names.Literal(uri)},");
            w.Line($"SuccessCode: {code},");
            w.Line($"IsReadOnly: {Bool(operation.HasTrait(Traits.Readonly))},");
            w.Line($"IsIdempotent: {Bool(operation.HasTrait(Traits.Idempotent))},");
            w.Line($"Pagination: {pagination},");
            w.Line($"InputType: typeof({context.Input(operation).Name}),");
            w.Line($"OutputType: {(context.Output(operation) is { } output ? $"typeof({output.Name})" : "null")},");
            w.Line($"Errors: [{errors}]);");
            w.Outdent();
            w.Line();
        }

        w.Doc(["<summary>All operations, by name.</summary>"]);
        w.Line("public static IReadOnlyList<OperationInfo> All { get; } =");
        w.Line("[");
        w.Indent();
        foreach (var operation in context.Operations)
        {
            w.Line($"{operation.Name},");
        }

        w.Outdent();
        w.Line("];");
        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/IvsOperations.g.cs", w.ToString());
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Lit(System.Text.Json.Nodes.JsonNode? node) => node is null ? "null" : Names.Literal((string)node!);
}
