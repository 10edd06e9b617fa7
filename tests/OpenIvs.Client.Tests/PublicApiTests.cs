using System.Reflection;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Operations;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Client.Tests;

/// <summary>
/// The public surface is tracked in src/OpenIvs.Client/PublicAPI.*.txt (Microsoft.CodeAnalysis.PublicApiAnalyzers
/// fails the build on any difference); this checks that the list and the compiled assembly name the same types
/// and that the generated interface has exactly one documented method per operation.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Assembly Client = typeof(IvsClient).Assembly;

    [Fact]
    public void TrackedListNamesEveryPublicTypeAndNoOther()
    {
        var dir = Path.Combine(RepositoryRoot.Path, "src", "OpenIvs.Client");
        var lines = File.ReadAllLines(Path.Combine(dir, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(dir, "PublicAPI.Unshipped.txt")))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
        var publicTypes = Client.GetExportedTypes()
            .Select(t => (t.FullName ?? t.Name).Replace('+', '.'))
            .Select(n => n.Contains('`', StringComparison.Ordinal) ? n[..n.IndexOf('`', StringComparison.Ordinal)] : n);

        // A type's own line is its name (generic: name<T...>); the analyzer (RS0017) catches lines left over.
        var untracked = publicTypes.Where(type =>
            !lines.Contains(type) && !lines.Any(l => l.StartsWith(type + "<", StringComparison.Ordinal) && l.EndsWith('>')));
        Assert.Empty(untracked);
        Assert.True(publicTypes.Count() >= 15);
        Assert.Contains("OpenIvs.Client.IvsClient", lines);
        Assert.Contains("OpenIvs.Client.IIvsClient", lines);
    }

    [Fact]
    public void InterfaceHasOneAsyncMethodPerOperation()
    {
        var methods = typeof(IIvsClient).GetMethods();
        Assert.Equal(IvsOperations.All.Select(o => o.Name + "Async").Order(StringComparer.Ordinal), methods.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(methods, m =>
        {
            var parameters = m.GetParameters();
            Assert.Equal(2, parameters.Length);
            Assert.Equal(typeof(CancellationToken), parameters[1].ParameterType);
            Assert.True(parameters[1].HasDefaultValue);
            Assert.True(typeof(Task).IsAssignableFrom(m.ReturnType));
        });
    }

    [Fact]
    public void InterfaceMethodsCarryTheModelDocumentation()
    {
        var xml = System.Xml.Linq.XDocument.Load(Path.ChangeExtension(Client.Location, ".xml"));
        var members = xml.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);
        var createChannel = members.Single(m => m.Key.StartsWith("M:OpenIvs.Client.IIvsClient.CreateChannelAsync", StringComparison.Ordinal)).Value;

        Assert.Contains("Creates a new channel and an associated stream key", createChannel.Element("summary")!.Value);
        Assert.Contains(createChannel.Elements("exception"), e => ((string)e.Attribute("cref")!).EndsWith("ServiceQuotaExceededException", StringComparison.Ordinal));
        Assert.All(typeof(IIvsClient).GetMethods(), m => Assert.Contains(members.Keys, k => k.StartsWith($"M:OpenIvs.Client.IIvsClient.{m.Name}(", StringComparison.Ordinal)));
    }
}
