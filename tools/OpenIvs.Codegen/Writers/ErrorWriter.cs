using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;

namespace OpenIvs.Codegen.Writers;

/// <summary>
/// Each modelled error becomes an exception type over <c>IvsException</c>, shared by the server (which
/// throws it) and the SDK (which raises it from a response). Only <c>exceptionMessage</c> travels in the
/// body; the header members (<c>x-amzn-ErrorType</c> and the standard response headers) are protocol
/// plumbing handled by the runtime.
/// </summary>
public static class ErrorWriter
{
    public static GeneratedFile Write(GenerationContext context, Shape shape)
    {
        foreach (var member in shape.Members)
        {
            if (member.Name != "exceptionMessage" && TypeMapper.BindingOf(member).Kind == BindingKind.Body)
            {
                throw new ModelException($"{shape.Name}.{member.Name}: error body members other than exceptionMessage are not supported.");
            }
        }

        var fault = (string)shape.Traits[Traits.Error]! == "server" ? "Server" : "Client";
        var status = shape.Traits[Traits.HttpError]?.GetValue<int>()
            ?? throw new ModelException($"{shape.Name}: error without httpError");
        var name = shape.Name;
        var w = new CodeWriter().FileHeader(GenerationContext.ModelNamespace, "OpenIvs.Protocol.Errors");
        w.Doc(Docs.Summary((string?)shape.Traits[Traits.Documentation] ?? $"The {name} error."));
        w.Open($"public sealed partial class {name} : IvsException");
        w.Doc(["<summary>The error code, as sent in <c>x-amzn-ErrorType</c>.</summary>"]);
        w.Line($"public const string Code = {Names.Literal(name)};");
        w.Line();
        w.Doc(["<summary>The HTTP status the model gives this error.</summary>"]);
        w.Line($"public const int HttpStatus = {status};");
        w.Line();
        w.Line($"public {name}(string? message)");
        w.Line($"    : base(message, Code, HttpStatus, IvsErrorFault.{fault})");
        w.Line("{");
        w.Line("}");
        w.Line();
        w.Line($"public {name}(string? message, Exception? innerException)");
        w.Line($"    : base(message, Code, HttpStatus, IvsErrorFault.{fault}, innerException)");
        w.Line("{");
        w.Line("}");
        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/Model/{name}.g.cs", w.ToString());
    }

    /// <summary>The factory that turns an error code from a response into the matching exception type.</summary>
    public static GeneratedFile WriteFactory(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader("OpenIvs.Protocol.Errors", "OpenIvs.Protocol.Model");
        w.Doc(["<summary>Creates the exception for a modelled error code.</summary>"]);
        w.Open("public static partial class IvsErrors");
        w.Doc(["<summary>The modelled error codes.</summary>"]);
        w.Line("public static IReadOnlyList<string> Codes { get; } =");
        w.Line("[");
        w.Indent();
        foreach (var error in context.Errors)
        {
            w.Line($"{error.Name}.Code,");
        }

        w.Outdent();
        w.Line("];");
        w.Line();
        w.Doc(["<summary>Returns the typed exception for <paramref name=\"code\"/>, or null for an unmodelled code.</summary>"]);
        w.Open("public static IvsException? TryCreate(string code, string? message)");
        w.Line("return code switch");
        w.Line("{");
        w.Indent();
        foreach (var error in context.Errors)
        {
            w.Line($"{error.Name}.Code => new {error.Name}(message),");
        }

        w.Line("_ => null,");
        w.Outdent();
        w.Line("};");
        w.Close();
        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/IvsErrors.g.cs", w.ToString());
    }
}
