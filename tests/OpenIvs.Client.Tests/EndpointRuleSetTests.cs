using System.Text.Json.Nodes;
using OpenIvs.Client.Runtime;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Client.Tests;

/// <summary>The compiled endpoint rules against every test case embedded in the Smithy model (smithy.rules#endpointTests).</summary>
public sealed class EndpointRuleSetTests
{
    private static readonly Lazy<JsonArray> Cases = new(() =>
    {
        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "spec", "ivs-2020-07-14.smithy.json")))!;
        var service = model["shapes"]!.AsObject().Single(s => (string?)s.Value!["type"] == "service").Value!;
        return service["traits"]!["smithy.rules#endpointTests"]!["testCases"]!.AsArray();
    });

    public static TheoryData<int, string> ModelCases()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Cases.Value.Count; i++)
        {
            data.Add(i, (string)Cases.Value[i]!["documentation"]!);
        }

        return data;
    }

    [Fact]
    public void TheModelHas27Cases() => Assert.Equal(27, Cases.Value.Count);

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void ModelCase(int index, string documentation)
    {
        var testCase = Cases.Value[index]!;
        var parameters = testCase["params"]?.AsObject() ?? [];
        var region = (string?)parameters["Region"];
        var useFips = (bool?)parameters["UseFIPS"] ?? false;
        var useDualStack = (bool?)parameters["UseDualStack"] ?? false;
        var endpoint = (string?)parameters["Endpoint"];

        var result = IvsEndpointRules.Resolve(region, useDualStack, useFips, endpoint);

        if (testCase["expect"]!["error"] is { } error)
        {
            Assert.True(result.Error == (string)error!, $"{documentation}: expected error '{error}', got {result}");
            Assert.Throws<IvsConfigurationException>(() => IvsEndpointResolver.Resolve(region, useFips, useDualStack, endpoint));
        }
        else
        {
            var url = (string)testCase["expect"]!["endpoint"]!["url"]!;
            Assert.True(result.Url == url, $"{documentation}: expected {url}, got {result}");
            Assert.Equal(new Uri(url), IvsEndpointResolver.Resolve(region, useFips, useDualStack, endpoint));
        }
    }

    [Theory]
    [InlineData("eu-west-3", "aws")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("cn-northwest-1", "aws-cn")]
    [InlineData("us-isof-south-1", "aws-iso-f")]
    [InlineData("ap-future-9", "aws")]
    [InlineData("cn-future-9", "aws-cn")]
    [InlineData("mars-north-1", "aws")]
    public void PartitionOfARegion(string region, string partition) => Assert.Equal(partition, AwsPartitions.Resolve(region)!.Name);
}
