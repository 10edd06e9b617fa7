using OpenIvs.Codegen.Generation;

namespace OpenIvs.Codegen.Writers;

/// <summary>One source-generated regex per distinct pattern trait.</summary>
public static class PatternWriter
{
    public static GeneratedFile Write(GenerationContext context)
    {
        var w = new CodeWriter().FileHeader("OpenIvs.Protocol.Model", "System.Text.RegularExpressions");
        w.Doc(["<summary>The model's pattern traits as compiled regular expressions (ECMA-262 search semantics).</summary>"]);
        w.Open("public static partial class IvsPatterns");
        var first = true;
        foreach (var shape in context.PatternShapes)
        {
            var (name, pattern) = (shape.Name, (string)shape.Traits[Model.Traits.Pattern]!);
            if (!first)
            {
                w.Line();
            }

            first = false;
            w.Doc([$"<summary>The pattern of <c>{name}</c>.</summary>"]);
            w.Line($"[GeneratedRegex({Names.Literal(pattern)}, RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]");
            w.Line($"public static partial Regex {name} {{ get; }}");
        }

        w.Close();
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/IvsPatterns.g.cs", w.ToString());
    }
}
