using OpenIvs.Server.Tests.Architecture.Synthetic.Api;
using OpenIvs.Server.Tests.Architecture.Synthetic.Auth;

namespace OpenIvs.Server.Tests.Architecture;

/// <summary>
/// The checker itself, on a synthetic case in this assembly: an Auth room that uses its Api room again (the
/// loop this repository had) must be reported, whether the use is in a signature or only inside a method body.
/// </summary>
public sealed class DependencyCheckerTests
{
    private const string Synthetic = "OpenIvs.Server.Tests.Architecture.Synthetic";

    private static readonly DependencyRule[] Rules = [new($"{Synthetic}.Auth", $"{Synthetic}.Api", "one way")];

    [Fact]
    public void AReintroducedLoopIsReported()
    {
        var violations = DependencyChecker.Check([typeof(DependencyCheckerTests).Assembly], Rules);

        Assert.Equal(
            new[] { typeof(LoopingAuthorizer), typeof(LambdaAuthorizer), typeof(SignatureAuthorizer) }.Select(t => t.FullName).Order(StringComparer.Ordinal),
            violations.Select(v => v.User.FullName).Distinct().Order(StringComparer.Ordinal));
        Assert.All(violations, v => Assert.Equal(typeof(Endpoint), v.Used));
        Assert.DoesNotContain(violations, v => v.User == typeof(Endpoint) || v.User == typeof(CleanAuthorizer));
    }

    [Fact]
    public void TheLoopShowsAsACycle()
    {
        var cycles = DependencyChecker.Cycles(typeof(DependencyCheckerTests).Assembly, [$"{Synthetic}.Api", $"{Synthetic}.Auth"]);

        Assert.Equal([$"{Synthetic}.Api", $"{Synthetic}.Auth"], Assert.Single(cycles));
    }

    [Fact]
    public void TheRealRulesWouldCatchIt()
    {
        // The repository's rule, moved onto the synthetic namespaces, reports the same uses.
        var real = ArchitectureTests.Rules.Single(r => r.From == "OpenIvs.Server.Auth" && r.To == "OpenIvs.Server.Api");
        var moved = new DependencyRule(real.From.Replace("OpenIvs.Server", Synthetic, StringComparison.Ordinal), real.To.Replace("OpenIvs.Server", Synthetic, StringComparison.Ordinal), real.Because);

        Assert.NotEmpty(DependencyChecker.Check([typeof(DependencyCheckerTests).Assembly], [moved]));
    }
}
