using OpenIvs.Codegen;

// Usage: OpenIvs.Codegen [--check] [repo-root]
//   writes the generated files under the repository root, or with --check reports differences (exit 1).
var check = args.Contains("--check");
var root = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? FindRepoRoot();

try
{
    var files = Generator.Generate(Generator.LoadModel(root));
    if (check)
    {
        var differences = Generator.Diff(root, files);
        foreach (var difference in differences)
        {
            Console.Error.WriteLine(difference);
        }

        Console.WriteLine(differences.Count == 0 ? $"{files.Count} generated files are up to date." : $"{differences.Count} generated files differ.");
        return differences.Count == 0 ? 0 : 1;
    }

    Generator.Write(root, files);
    Console.WriteLine($"Wrote {files.Count} files.");
    return 0;
}
catch (OpenIvs.Codegen.Model.ModelException e)
{
    Console.Error.WriteLine($"codegen: {e.Message}");
    return 2;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "OpenIvs.slnx")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run inside the repository or pass its root.");
}
