using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>
/// The SDK side of the restJson1 binding (the mirror of <see cref="ServerWriter"/>): the client interface
/// with one documented method per operation, the client's implementations, one request/response binding
/// per operation (URI label, query, JSON body, header-bound output members, 204/Unit outputs), and a
/// paginator for every <c>@paginated</c> operation.
/// </summary>
public static class ClientWriter
{
    private const string Namespace = "OpenIvs.Client";

    public static IEnumerable<GeneratedFile> Write(GenerationContext context)
    {
        yield return WriteInterface(context);
        yield return WriteClient(context);
        yield return WriteBindings(context);
        yield return WritePaginators(context);
    }

    private static GeneratedFile WriteInterface(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(Namespace, "OpenIvs.Protocol.Errors", "OpenIvs.Protocol.Model");
        w.Doc([
            "<summary>",
            "The Amazon IVS API (service <c>ivs</c>, version 2020-07-14): one method per operation. Implemented by",
            "<see cref=\"IvsClient\"/>; depend on this interface to substitute the client in tests.",
            "</summary>",
        ]);
        w.Open("public partial interface IIvsClient");
        var first = true;
        foreach (var operation in context.Operations)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Doc(OperationDocs(context, operation));
            w.Line($"{ReturnType(context, operation)} {operation.Name}Async({context.Input(operation).Name} request, CancellationToken cancellationToken = default);");
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/IIvsClient.g.cs", w.ToString());
    }

    private static GeneratedFile WriteClient(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(Namespace, "OpenIvs.Client.Runtime", "OpenIvs.Protocol.Model");
        w.Open("public sealed partial class IvsClient");
        var first = true;
        foreach (var operation in context.Operations)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Doc(["<inheritdoc />"]);
            w.Line($"public {ReturnType(context, operation)} {operation.Name}Async({context.Input(operation).Name} request, CancellationToken cancellationToken = default) =>");
            w.Line($"    InvokeAsync(IvsClientOperations.{operation.Name}, request, cancellationToken);");
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/IvsClient.g.cs", w.ToString());
    }

    private static GeneratedFile WriteBindings(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(
            "OpenIvs.Client.Runtime",
            "OpenIvs.Protocol.Model",
            "OpenIvs.Protocol.Operations");
        w.Doc(["<summary>How each operation's request is written and its response read (restJson1).</summary>"]);
        w.Open("internal static class IvsClientOperations");
        var first = true;
        foreach (var operation in context.Operations)
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            WriteBinding(w, context, operation);
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/IvsClientOperations.g.cs", w.ToString());
    }

    private static void WriteBinding(CodeWriter w, GenerationContext context, Shape operation)
    {
        var input = context.Input(operation);
        var output = context.Output(operation);
        var (_, uri, code) = context.Http(operation);
        var outputType = output?.Name ?? "IvsNoContent";
        w.Line($"public static IvsOperation<{input.Name}, {outputType}> {operation.Name} {{ get; }} = new(");
        w.Indent();
        w.Line($"IvsOperations.{operation.Name},");
        w.Line("static (request, http) =>");
        w.Line("{");
        w.Indent();
        w.Line($"http.Path = {PathExpression(context, operation, input, uri)};");
        var hasBody = false;
        foreach (var member in input.Members)
        {
            var binding = TypeMapper.BindingOf(member);
            var property = Names.Property(member.Name);
            var target = context.Model.Get(member.Target);
            switch (binding.Kind)
            {
                case BindingKind.Body:
                    hasBody = true;
                    break;
                case BindingKind.Label:
                    break;
                case BindingKind.Query when target.Type == ShapeType.List && IsPlainString(context.Model.Get(target.ListMember!.Target)):
                    w.Line($"http.AddQuery({Names.Literal(binding.Name)}, request.{property});");
                    break;
                case BindingKind.Query:
                    RequireString(target, operation, member);
                    w.Line($"http.AddQuery({Names.Literal(binding.Name)}, request.{property});");
                    break;
                case BindingKind.Header:
                    RequireString(target, operation, member);
                    w.Line($"http.AddHeader({Names.Literal(binding.Name)}, request.{property});");
                    break;
            }
        }

        if (hasBody)
        {
            w.Line($"http.SetJsonBody(request, IvsClientJson.Context.{input.Name});");
        }

        w.Outdent();
        w.Line("},");
        if (output is null)
        {
            if (code != 204)
            {
                throw new ModelException($"{operation.Name}: an operation without output must answer 204.");
            }

            w.Line("static response => default);");
            w.Outdent();
            return;
        }

        if (output.Members.Any(m => TypeMapper.BindingOf(m).Kind is BindingKind.Label or BindingKind.Query))
        {
            throw new ModelException($"{output.Name}: label/query members in an output are not supported.");
        }

        var headers = output.Members.Where(m => TypeMapper.BindingOf(m).Kind == BindingKind.Header).ToList();
        if (headers.Count == 0)
        {
            w.Line($"static response => response.ReadJson(IvsClientJson.Context.{output.Name}));");
            w.Outdent();
            return;
        }

        w.Line("static response =>");
        w.Line("{");
        w.Indent();
        w.Line($"var output = response.ReadJson(IvsClientJson.Context.{output.Name});");
        foreach (var header in headers)
        {
            RequireString(context.Model.Get(header.Target), operation, header);
            w.Line($"output.{Names.Property(header.Name)} = response.Header({Names.Literal(TypeMapper.BindingOf(header).Name)});");
        }

        w.Line("return output;");
        w.Outdent();
        w.Line("});");
        w.Outdent();
    }

    /// <summary>The request path: the literal URI, or its prefix plus the encoded label (one whole-segment label at the end).</summary>
    private static string PathExpression(GenerationContext context, Shape operation, Shape input, string uri)
    {
        if (uri.Contains('?', StringComparison.Ordinal))
        {
            throw new ModelException($"{operation.Name}: constant query strings in URIs are not supported.");
        }

        var open = uri.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return Names.Literal(uri);
        }

        var close = uri.IndexOf('}', open);
        var label = uri[(open + 1)..close];
        if (close != uri.Length - 1 || uri[open - 1] != '/' || label.EndsWith('+'))
        {
            throw new ModelException($"{operation.Name}: URI '{uri}' is not a supported template (one whole-segment label at the end).");
        }

        var member = input.FindMember(label) ?? throw new ModelException($"{operation.Name}: no member for label {{{label}}}.");
        if (TypeMapper.BindingOf(member).Kind != BindingKind.Label)
        {
            throw new ModelException($"{operation.Name}.{label}: the URI label's member has no @httpLabel.");
        }

        RequireString(context.Model.Get(member.Target), operation, member);
        return $"{Names.Literal(uri[..open])} + IvsHttpRequest.Label(request.{Names.Property(member.Name)}, {Names.Literal(label)})";
    }

    private static GeneratedFile WritePaginators(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader(Namespace, "OpenIvs.Protocol.Model");
        w.Doc([
            "<summary>",
            "Paginators for every paginated operation: <c>client.PaginateListChannels(request).Pages</c> enumerates",
            "responses, <c>.Items</c> the listed items, each following <c>nextToken</c> until the service sends none.",
            "</summary>",
        ]);
        w.Open("public static partial class IvsPaginators");
        var first = true;
        foreach (var operation in context.Operations.Where(o => o.HasTrait(Traits.Paginated)))
        {
            if (!first)
            {
                w.Line();
            }

            first = false;
            WritePaginator(w, context, operation);
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ClientDir}/IvsPaginators.g.cs", w.ToString());
    }

    private static void WritePaginator(CodeWriter w, GenerationContext context, Shape operation)
    {
        var paginated = operation.Traits[Traits.Paginated]!.AsObject();
        var input = context.Input(operation);
        var output = context.Output(operation) ?? throw new ModelException($"{operation.Name}: a paginated operation needs an output.");
        var inputToken = (string?)paginated["inputToken"] ?? throw new ModelException($"{operation.Name}: @paginated without inputToken.");
        var outputToken = (string?)paginated["outputToken"] ?? throw new ModelException($"{operation.Name}: @paginated without outputToken.");
        if (input.FindMember(inputToken) is null || output.FindMember(outputToken) is null || outputToken.Contains('.', StringComparison.Ordinal))
        {
            throw new ModelException($"{operation.Name}: pagination tokens {inputToken}/{outputToken} are not top-level members.");
        }

        var items = ItemsMember(context, operation, output, (string?)paginated["items"]);
        var itemType = context.Types.TypeOf(context.Model.Get(items.Target).ListMember!.Target);
        var paginator = $"IvsPaginator<{output.Name}, {itemType}>";
        w.Doc([
            $"<summary>Pages of <see cref=\"IIvsClient.{operation.Name}Async\"/> and their <c>{items.Name}</c>.</summary>",
            "<param name=\"client\">The client that sends the requests.</param>",
            $"<param name=\"request\">The first request (its <c>{inputToken}</c>, if set, is where listing starts); it is copied for each page, never changed.</param>",
            "<returns>A paginator; each enumeration of it lists from the start again.</returns>",
        ]);
        w.Open($"public static {paginator} Paginate{operation.Name}(this IIvsClient client, {input.Name}? request = null)");
        w.Line("ArgumentNullException.ThrowIfNull(client);");
        w.Line($"var template = request ?? new {input.Name}();");
        w.Line($"return new {paginator}(");
        w.Indent();
        w.Line($"template.{Names.Property(inputToken)},");
        w.Line($"(token, cancellationToken) => client.{operation.Name}Async(");
        w.Indent();
        w.Line($"new {input.Name}");
        w.Line("{");
        w.Indent();
        foreach (var member in input.Members)
        {
            var property = Names.Property(member.Name);
            w.Line(member.Name == inputToken ? $"{property} = token," : $"{property} = template.{property},");
        }

        w.Outdent();
        w.Line("},");
        w.Line("cancellationToken),");
        w.Outdent();
        w.Line($"static page => page.{Names.Property(outputToken)},");
        w.Line($"static page => page.{Names.Property(items.Name)});");
        w.Outdent();
        w.Close();
    }

    /// <summary>The list the pages carry: the trait's <c>items</c>, or else the output's only list member.</summary>
    private static Member ItemsMember(GenerationContext context, Shape operation, Shape output, string? items)
    {
        if (items is not null)
        {
            return output.FindMember(items) ?? throw new ModelException($"{operation.Name}: @paginated items '{items}' is not an output member.");
        }

        var lists = output.Members.Where(m => context.Model.Get(m.Target).Type == ShapeType.List).ToList();
        return lists.Count == 1
            ? lists[0]
            : throw new ModelException($"{operation.Name}: @paginated has no items and the output has {lists.Count} list members; say which in the model.");
    }

    private static string ReturnType(GenerationContext context, Shape operation) =>
        context.Output(operation) is { } output ? $"Task<{output.Name}>" : "Task";

    private static List<string> OperationDocs(GenerationContext context, Shape operation)
    {
        var (method, uri, code) = context.Http(operation);
        var lines = Docs.Summary((string?)operation.Traits[Traits.Documentation]).ToList();
        if (lines.Count == 0)
        {
            lines.Add($"<summary>Calls {operation.Name}.</summary>");
        }

        lines.Add($"<remarks><c>{method} {uri}</c>, answered with {code}. Signed with SigV4 and retried as the client's retry options say.</remarks>");
        lines.Add($"<param name=\"request\">The {operation.Name} request.</param>");
        lines.Add("<param name=\"cancellationToken\">Cancels the call, including its retries and their delays.</param>");
        lines.Add(context.Output(operation) is { } output
            ? $"<returns>The {output.Name}.</returns>"
            : "<returns>A task that completes when the service has answered.</returns>");
        foreach (var errorId in operation.Errors)
        {
            var error = context.Model.Get(errorId);
            var status = error.Traits[Traits.HttpError]?.GetValue<int>();
            lines.Add($"<exception cref=\"{error.Name}\">The service answered {error.Name} (HTTP {status}).</exception>");
        }

        lines.Add("<exception cref=\"IvsException\">Any other error answered by the service, with its code and message.</exception>");
        lines.Add("<exception cref=\"HttpRequestException\">The service could not be reached, after the allowed retries.</exception>");
        lines.Add("<exception cref=\"TimeoutException\">An attempt or the whole call took longer than the client's timeouts.</exception>");
        lines.Add("<exception cref=\"OperationCanceledException\"><paramref name=\"cancellationToken\"/> was canceled.</exception>");
        return lines;
    }

    private static bool IsPlainString(Shape shape) => shape.Type == ShapeType.String && !shape.IsEnum;

    private static void RequireString(Shape target, Shape operation, Member member)
    {
        if (!IsPlainString(target))
        {
            throw new ModelException($"{operation.Name}.{member.Name}: only string members are supported in labels, query and headers.");
        }
    }
}
