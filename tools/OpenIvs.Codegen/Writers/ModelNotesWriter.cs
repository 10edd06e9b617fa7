using OpenIvs.Codegen.Generation;

namespace OpenIvs.Codegen.Writers;

/// <summary>Records what the botocore overlay and the errata changed, beside the generated code.</summary>
public static class ModelNotesWriter
{
    public static GeneratedFile Write(GenerationContext context)
    {
        var lines = new List<string>
        {
            "# Model merge notes (generated)",
            string.Empty,
            "Written by tools/OpenIvs.Codegen. The Smithy model is the base; these are the changes taken from the",
            "newer botocore model and the errata applied on top (see docs/codegen.md).",
            string.Empty,
        };
        lines.AddRange(context.Model.MergeNotes.Order(StringComparer.Ordinal).Select(n => "- " + n));
        lines.Add(string.Empty);
        lines.Add($"Operations: {context.Model.Service.Operations.Count}. Structures: {context.Structures.Count()}. " +
                  $"Enums: {context.Enums.Count()}. Errors: {context.Errors.Count()}.");
        return new GeneratedFile($"{GenerationContext.ProtocolDir}/MODEL-NOTES.md", string.Join('\n', lines) + "\n");
    }
}
