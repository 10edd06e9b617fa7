using OpenIvs.Codegen.Generation;

namespace OpenIvs.Codegen.Writers;

/// <summary>The System.Text.Json source-generated context: no reflection at run time.</summary>
public static class JsonContextWriter
{
    public static GeneratedFile Write(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader("OpenIvs.Protocol.Serialization", "System.Text.Json.Serialization");
        w.Doc(["<summary>Serializers for every structure of the model (restJson1 bodies).</summary>"]);
        w.Line("[JsonSourceGenerationOptions(");
        w.Line("    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,");
        w.Line("    PropertyNameCaseInsensitive = false,");
        w.Line("    NumberHandling = JsonNumberHandling.Strict,");
        w.Line("    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,");
        w.Line("    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,");
        w.Line("    AllowTrailingCommas = false,");
        w.Line("    MaxDepth = 32)]");
        foreach (var shape in context.Structures)
        {
            w.Line($"[JsonSerializable(typeof(global::OpenIvs.Protocol.Model.{shape.Name}))]");
        }

        w.Line("public sealed partial class IvsJsonContext : JsonSerializerContext;");
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/IvsJsonContext.g.cs", w.ToString());
    }
}
