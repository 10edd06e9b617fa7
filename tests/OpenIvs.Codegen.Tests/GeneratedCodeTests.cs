using OpenIvs.Codegen.Model;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Codegen.Tests;

public class GeneratedCodeTests
{
    [Fact]
    public void CheckedInFilesMatchAFreshGeneration()
    {
        var files = Generator.Generate(Generator.LoadModel(RepositoryRoot.Path));

        var differences = Generator.Diff(RepositoryRoot.Path, files);

        Assert.True(differences.Count == 0, "Regenerate with `./openivs codegen`:\n" + string.Join('\n', differences));
    }

    [Fact]
    public void GenerationIsDeterministic()
    {
        var first = Generator.Generate(Generator.LoadModel(RepositoryRoot.Path));
        var second = Generator.Generate(Generator.LoadModel(RepositoryRoot.Path));

        Assert.Equal(first, second);
    }

    [Fact]
    public void MergedModelHasTheBotocoreSurface()
    {
        var model = Generator.LoadModel(RepositoryRoot.Path);

        Assert.Equal(41, model.Service.Operations.Count);
        Assert.Contains(ServiceModel.IdOf("UpdateAdConfiguration"), model.Service.Operations);
        Assert.NotNull(model.Get(ServiceModel.IdOf("AdConfiguration")).FindMember("postRollConfiguration"));
        var bounds = model.Get(ServiceModel.IdOf("MediaTailorPlaybackConfigurationsList")).Traits[Traits.Length]!;
        Assert.Equal(3, bounds["max"]!.GetValue<long>());
    }

    [Fact]
    public void UnsupportedTraitFailsLoudly()
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                {"smithy":"2.0","shapes":{
                  "com.amazonaws.ivs#Svc":{"type":"service","version":"1","operations":[]},
                  "com.amazonaws.ivs#Name":{"type":"string","traits":{"smithy.api#xmlName":"n"}}}}
                """);

            var error = Assert.Throws<ModelException>(() => SmithyLoader.Load(path));

            Assert.Contains("smithy.api#xmlName", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ErratumThatNoLongerAppliesFailsLoudly()
    {
        var model = Generator.LoadModel(RepositoryRoot.Path);

        // The erratum has been applied once; applying it again finds the corrected pattern and must refuse.
        var error = Assert.Throws<ModelException>(() => ModelErrata.Apply(model));

        Assert.Contains("ResourceArn", error.Message);
    }
}

public class ClientGenerationTests
{
    private static IReadOnlyList<OpenIvs.Codegen.Writers.GeneratedFile> Files() => Generator.Generate(Generator.LoadModel(RepositoryRoot.Path));

    [Fact]
    public void ClientDirectoryIsOwnedByTheGenerator() =>
        Assert.Contains(OpenIvs.Codegen.Generation.GenerationContext.ClientDir, Generator.OutputDirectories);

    [Fact]
    public void InterfaceHasADocumentedMethodPerOperation()
    {
        var model = Generator.LoadModel(RepositoryRoot.Path);
        var text = Files().Single(f => f.Path.EndsWith("/IIvsClient.g.cs", StringComparison.Ordinal)).Content;

        foreach (var operation in model.OperationShapes)
        {
            Assert.Contains($" {operation.Name}Async(", text);
        }

        Assert.Equal(41, System.Text.RegularExpressions.Regex.Matches(text, @"Async\(\w+ request, CancellationToken cancellationToken = default\);").Count);
        Assert.Contains("/// Creates a new channel and an associated stream key", text);
    }

    [Fact]
    public void BindingsMirrorTheRestJson1Rules()
    {
        var text = Files().Single(f => f.Path.EndsWith("/IvsClientOperations.g.cs", StringComparison.Ordinal)).Content;

        Assert.Contains("http.Path = \"/tags/\" + IvsHttpRequest.Label(request.ResourceArn, \"resourceArn\");", text);
        Assert.Contains("http.AddQuery(\"tagKeys\", request.TagKeys);", text);
        Assert.Contains("output.CacheControl = response.Header(\"Cache-Control\");", text);
        Assert.Contains("static response => default);", text); // 204 / Unit outputs
    }

    [Fact]
    public void EndpointRulesAreCompiledFromTheModel()
    {
        var text = Files().Single(f => f.Path.EndsWith("/IvsEndpointRules.g.cs", StringComparison.Ordinal)).Content;

        Assert.Contains("return EndpointRuleResult.Endpoint($\"https://ivs-fips.{region}.{partitionResult.DualStackDnsSuffix}\");", text);
        Assert.Contains("Invalid Configuration: Missing Region", text);
    }

    [Fact]
    public void UnsupportedEndpointRuleFunctionFailsLoudly()
    {
        var model = Generator.LoadModel(RepositoryRoot.Path);
        var rules = model.Service.Traits[Traits.EndpointRuleSet]!["rules"]!.AsArray();
        rules.Insert(0, System.Text.Json.Nodes.JsonNode.Parse("""
            {"conditions":[{"fn":"aws.parseArn","argv":[{"ref":"Endpoint"}]}],"error":"x","type":"error"}
            """));

        var error = Assert.Throws<ModelException>(() => Generator.Generate(model));

        Assert.Contains("aws.parseArn", error.Message);
    }

    [Fact]
    public void PaginatedOperationWithoutAnUnambiguousItemListFailsLoudly()
    {
        var model = Generator.LoadModel(RepositoryRoot.Path);
        var output = model.Get(ServiceModel.IdOf("ListChannelsResponse"));
        output.Members.Add(new Member("moreChannels", output.FindMember("channels")!.Target, []));

        var error = Assert.Throws<ModelException>(() => Generator.Generate(model));

        Assert.Contains("ListChannels", error.Message);
    }
}
