using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>
/// The server side of the restJson1 binding: the service interface the hand-written handlers implement,
/// and one invoker per operation that reads the request (body, URI label, query), validates it against
/// the model, calls the service, and describes the response (status, body, header members).
/// </summary>
public static class ServerWriter
{
    private const string Namespace = "OpenIvs.Server.Api";

    public static IEnumerable<GeneratedFile> Write(GenerationContext context)
    {
        yield return WriteInterface(context);
        yield return WriteRoutes(context);
    }

    private static GeneratedFile WriteInterface(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(Namespace, "OpenIvs.Protocol.Model", "OpenIvs.Server.Auth");
        w.Doc(["<summary>", "The IVS API as the server implements it: one method per operation. Every method receives the", "authenticated caller, for the checks it makes item by item (Batch* operations).", "</summary>"]);
        w.Open("public interface IIvsService");
        var first = true;
        foreach (var operation in context.Operations)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Doc(Docs.Summary((string?)operation.Traits[Traits.Documentation]));
            var returns = context.Output(operation) is { } output ? $"ValueTask<{output.Name}>" : "ValueTask";
            w.Line($"{returns} {operation.Name}Async({context.Input(operation).Name} request, CallerContext caller, CancellationToken cancellationToken);");
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ServerDir}/IIvsService.g.cs", w.ToString());
    }

    private static GeneratedFile WriteRoutes(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(
            Namespace,
            "System.Collections.Frozen",
            "OpenIvs.Protocol.Model",
            "OpenIvs.Protocol.Operations",
            "OpenIvs.Protocol.Serialization");
        w.Doc(["<summary>Routes and request/response bindings of every operation.</summary>"]);
        w.Open("public static partial class IvsApiRoutes");

        var literal = new List<(Shape Op, string Method, string Uri)>();
        var templates = new List<(Shape Op, string Method, string Prefix, string Label)>();
        foreach (var operation in context.Operations)
        {
            var (method, uri, _) = context.Http(operation);
            var open = uri.IndexOf('{', StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Add((operation, method, uri));
                continue;
            }

            var close = uri.IndexOf('}', open);
            if (close != uri.Length - 1 || uri[open - 1] != '/' || uri.IndexOf('{', close) >= 0 || uri[(open + 1)..close].EndsWith('+'))
            {
                throw new ModelException($"{operation.Name}: URI '{uri}' is not a supported template (one whole-segment label at the end).");
            }

            templates.Add((operation, method, uri[..open], uri[(open + 1)..close]));
        }

        w.Line("private static readonly FrozenDictionary<string, IvsRoute> LiteralRoutes = new Dictionary<string, IvsRoute>(StringComparer.Ordinal)");
        w.Line("{");
        w.Indent();
        foreach (var (op, method, uri) in literal)
        {
            w.Line($"[{Names.Literal(uri)}] = new(IvsOperations.{op.Name}, {Names.Literal(method)}, Invoke{op.Name}Async),");
        }

        w.Outdent();
        w.Line("}.ToFrozenDictionary(StringComparer.Ordinal);");
        w.Line();
        w.Line("private static readonly IvsTemplateRoute[] TemplateRoutes =");
        w.Line("[");
        w.Indent();
        foreach (var (op, method, prefix, label) in templates)
        {
            w.Line($"new({Names.Literal(prefix)}, {Names.Literal(label)}, new(IvsOperations.{op.Name}, {Names.Literal(method)}, Invoke{op.Name}Async)),");
        }

        w.Outdent();
        w.Line("];");

        foreach (var operation in context.Operations)
        {
            w.Line();
            WriteInvoker(w, context, operation);
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ServerDir}/IvsApiRoutes.g.cs", w.ToString());
    }

    private static void WriteInvoker(CodeWriter w, GenerationContext context, Shape operation)
    {
        var input = context.Input(operation);
        var output = context.Output(operation);
        var (_, _, code) = context.Http(operation);
        var hasBody = input.Members.Any(m => TypeMapper.BindingOf(m).Kind == BindingKind.Body);
        w.Open($"private static async ValueTask<IvsApiResponse> Invoke{operation.Name}Async(IvsApiRequest request, IIvsService service, CancellationToken cancellationToken)");
        w.Line(hasBody
            ? $"var input = request.ReadBody(IvsJsonContext.Default.{input.Name});"
            : $"var input = new {input.Name}();");
        foreach (var member in input.Members)
        {
            var binding = TypeMapper.BindingOf(member);
            var property = Names.Property(member.Name);
            var target = context.Model.Get(member.Target);
            switch (binding.Kind)
            {
                case BindingKind.Label:
                    RequireString(target, operation, member);
                    w.Line($"input.{property} = request.Label;");
                    break;
                case BindingKind.Query when target.Type == ShapeType.List && context.Model.Get(target.ListMember!.Target).Type == ShapeType.String:
                    w.Line($"input.{property} = request.QueryValues({Names.Literal(binding.Name)});");
                    break;
                case BindingKind.Query:
                    RequireString(target, operation, member);
                    w.Line($"input.{property} = request.QueryValue({Names.Literal(binding.Name)});");
                    break;
                case BindingKind.Header:
                    RequireString(target, operation, member);
                    w.Line($"input.{property} = request.Header({Names.Literal(binding.Name)});");
                    break;
            }
        }

        w.Line($"request.Validate(input);");
        w.Line($"await request.AuthorizeAsync(IvsOperations.{operation.Name}, input, cancellationToken).ConfigureAwait(false);");
        if (output is null)
        {
            if (code != 204)
            {
                throw new ModelException($"{operation.Name}: an operation without output must answer 204.");
            }

            w.Line($"await service.{operation.Name}Async(input, request.Caller, cancellationToken).ConfigureAwait(false);");
            w.Line($"return IvsApiResponse.Empty({code});");
            w.Close();
            return;
        }

        w.Line($"var output = await service.{operation.Name}Async(input, request.Caller, cancellationToken).ConfigureAwait(false);");
        if (output.Members.Any(m => TypeMapper.BindingOf(m).Kind is BindingKind.Label or BindingKind.Query))
        {
            throw new ModelException($"{output.Name}: label/query members in an output are not supported.");
        }

        if (code == 204)
        {
            throw new ModelException($"{operation.Name}: a 204 response cannot carry an output structure.");
        }

        w.Line($"var response = IvsApiResponse.Json({code}, output, IvsJsonContext.Default.{output.Name});");
        foreach (var header in output.Members.Where(m => TypeMapper.BindingOf(m).Kind == BindingKind.Header))
        {
            RequireString(context.Model.Get(header.Target), operation, header);
            w.Line($"response.AddHeader({Names.Literal(TypeMapper.BindingOf(header).Name)}, output.{Names.Property(header.Name)});");
        }

        w.Line("return response;");
        w.Close();
    }

    private static void RequireString(Shape target, Shape operation, Member member)
    {
        if (target.Type != ShapeType.String || target.IsEnum)
        {
            throw new ModelException($"{operation.Name}.{member.Name}: only string members are supported in labels, query and headers.");
        }
    }
}
