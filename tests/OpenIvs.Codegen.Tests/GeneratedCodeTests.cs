using OpenIvs.Codegen.Model;

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
