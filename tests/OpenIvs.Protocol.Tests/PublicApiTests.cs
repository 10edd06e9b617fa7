using System.Reflection;
using OpenIvs.Protocol.Auth;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Protocol.Tests;

/// <summary>
/// OpenIvs.Protocol ships to every SDK user, so its public surface is tracked in src/OpenIvs.Protocol/PublicAPI.*.txt
/// (Microsoft.CodeAnalysis.PublicApiAnalyzers fails the build on any difference). This checks that the list and
/// the compiled assembly name the same types, and that what only the server needs stays out of it.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Assembly Protocol = typeof(SigV4Signer).Assembly;

    [Fact]
    public void TrackedListNamesEveryPublicTypeAndNoOther()
    {
        var lines = TrackedLines();
        var publicTypes = Protocol.GetExportedTypes().Select(Name).ToList();

        // A type's own line is its name (generic: name<T...>); the analyzer (RS0017) catches lines left over.
        var untracked = publicTypes.Where(type =>
            !lines.Contains(type) && !lines.Any(l => l.StartsWith(type + "<", StringComparison.Ordinal) && l.EndsWith('>')));
        Assert.Empty(untracked);
        Assert.True(publicTypes.Count >= 100);
        Assert.Contains("OpenIvs.Protocol.Auth.SigV4Signer", lines);
        Assert.Contains("OpenIvs.Protocol.Model.Channel", lines);
    }

    [Theory]
    [InlineData(typeof(SigV4Verifier))]
    [InlineData(typeof(SigV4Verification))]
    [InlineData(typeof(SigV4Failure))]
    [InlineData(typeof(ISigV4KeyResolver))]
    [InlineData(typeof(SigV4Key))]
    [InlineData(typeof(SigV4Request))]
    public void ServerOnlyTypesAreNotPublic(Type type)
    {
        Assert.False(type.IsPublic);
        Assert.DoesNotContain(TrackedLines(), l => l.StartsWith(Name(type), StringComparison.Ordinal));
    }

    private static HashSet<string> TrackedLines()
    {
        var dir = Path.Combine(RepositoryRoot.Path, "src", "OpenIvs.Protocol");
        return File.ReadAllLines(Path.Combine(dir, "PublicAPI.Shipped.txt"))
            .Concat(File.ReadAllLines(Path.Combine(dir, "PublicAPI.Unshipped.txt")))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static string Name(Type type)
    {
        var name = (type.FullName ?? type.Name).Replace('+', '.');
        return name.Contains('`', StringComparison.Ordinal) ? name[..name.IndexOf('`', StringComparison.Ordinal)] : name;
    }
}
