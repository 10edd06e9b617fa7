using OpenIvs.Codegen.Generation;
using OpenIvs.Codegen.Model;
using OpenIvs.Codegen.Writers;

namespace OpenIvs.Codegen;

/// <summary>Model -> Generation -> Writers. Pure: returns files, writes nothing.</summary>
public static class Generator
{
    /// <summary>The folders the generator owns: every *.g.cs in them comes from here.</summary>
    public static IReadOnlyList<string> OutputDirectories { get; } =
    [
        GenerationContext.ProtocolDir,
        GenerationContext.ServerDir,
        GenerationContext.ClientDir,
    ];

    public static ServiceModel LoadModel(string repoRoot)
    {
        var model = SmithyLoader.Load(Path.Combine(repoRoot, "spec", "ivs-2020-07-14.smithy.json"));
        BotocoreOverlay.Apply(model, Path.Combine(repoRoot, "spec", "ivs-2020-07-14.botocore.json"));
        ModelErrata.Apply(model);
        var partitions = Path.Combine(repoRoot, "spec", "partitions.json");
        model.Partitions = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(partitions))?.AsObject()
            ?? throw new ModelException($"{partitions}: not a JSON object");
        return model;
    }

    public static IReadOnlyList<GeneratedFile> Generate(ServiceModel model)
    {
        var context = new GenerationContext(model);
        var files = new List<GeneratedFile>();
        files.AddRange(context.Enums.Select(shape => EnumWriter.Write(context, shape)));
        files.AddRange(context.Structures.Select(shape => StructureWriter.Write(context, shape)));
        files.AddRange(context.Errors.Select(shape => ErrorWriter.Write(context, shape)));
        files.Add(ErrorWriter.WriteFactory(context));
        files.Add(PatternWriter.Write(context));
        files.Add(JsonContextWriter.Write(context));
        files.Add(OperationWriter.Write(context));
        files.AddRange(ServerWriter.Write(context));
        files.AddRange(ClientWriter.Write(context));
        files.AddRange(EndpointRulesWriter.Write(context));
        files.Add(ModelNotesWriter.Write(context));
        return files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>Compares generated files with those on disk: changed, missing and stale files.</summary>
    public static IReadOnlyList<string> Diff(string repoRoot, IReadOnlyList<GeneratedFile> files)
    {
        var differences = new List<string>();
        var expected = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = Path.Combine(repoRoot, file.Path);
            if (!File.Exists(path))
            {
                differences.Add($"missing: {file.Path}");
            }
            else if (File.ReadAllText(path) != file.Content)
            {
                differences.Add($"differs: {file.Path}");
            }
        }

        foreach (var existing in ExistingGeneratedFiles(repoRoot))
        {
            if (!expected.ContainsKey(existing))
            {
                differences.Add($"stale: {existing}");
            }
        }

        return differences;
    }

    public static void Write(string repoRoot, IReadOnlyList<GeneratedFile> files)
    {
        var expected = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in ExistingGeneratedFiles(repoRoot).Where(p => !expected.Contains(p)))
        {
            File.Delete(Path.Combine(repoRoot, stale));
        }

        foreach (var file in files)
        {
            var path = Path.Combine(repoRoot, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || File.ReadAllText(path) != file.Content)
            {
                File.WriteAllText(path, file.Content);
            }
        }
    }

    private static IEnumerable<string> ExistingGeneratedFiles(string repoRoot)
    {
        foreach (var dir in OutputDirectories)
        {
            var full = Path.Combine(repoRoot, dir);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
            {
                yield return Path.GetRelativePath(repoRoot, file).Replace('\\', '/');
            }
        }
    }
}
