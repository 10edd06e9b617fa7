using System.Reflection;
using OpenIvs.Server.Hosting;

namespace OpenIvs.Server.Tests.Architecture;

/// <summary>
/// The dependency rules of ARCHITECTURE.md, checked on the compiled assemblies: which assemblies each project
/// references, and which rooms (folders = namespaces) of OpenIvs.Server may use which. Types are read by
/// reflection, method bodies included (<see cref="TypeDependencies"/>), so a use hidden in a lambda counts.
/// </summary>
public sealed class ArchitectureTests
{
    private const string Server = "OpenIvs.Server";

    private static readonly Assembly ServerAssembly = typeof(OpenIvsServer).Assembly;

    /// <summary>The rooms of OpenIvs.Server: its top-level namespaces.</summary>
    private static readonly string[] Rooms =
        ["Api", "Auth", "Cluster", "Events", "Hosting", "Ingest", "Playback", "Recording", "Resources", "Storage", "Streams", "Telemetry", "Transcoding", "WebConsole"];

    internal static readonly DependencyRule[] Rules =
    [
        // The API authenticates and authorizes through Auth; Auth never calls back into the API.
        new($"{Server}.Auth", $"{Server}.Api", "Api -> Auth one way: the caller is passed to the service, tags come from Resources"),

        // The API reaches state only through Resources and Storage, and the live side only through ILiveStreams.
        new($"{Server}.Api", $"{Server}.Streams", "the live side only through ILiveStreams",
            $"{Server}.Streams.ILiveStreams",
            $"{Server}.Streams.NoLiveStreams",
            $"{Server}.Streams.AdBreakInsertion"), // the answer of ILiveStreams.InsertAdBreak, part of its contract
        new($"{Server}.Api", $"{Server}.Ingest", "state only through Resources and Storage"),
        new($"{Server}.Api", $"{Server}.Playback", "state only through Resources and Storage"),
        new($"{Server}.Api", $"{Server}.Events", "state only through Resources and Storage"),

        // Media flows one way: Ingest -> Streams -> readers (Playback, Recording). Ingest never waits for a reader.
        new($"{Server}.Ingest", $"{Server}.Playback", "protocol servers talk to the hub, never to readers"),
        new($"{Server}.Ingest", $"{Server}.Api", "protocol servers talk to the hub"),
        new($"{Server}.Ingest", $"{Server}.Auth", "protocol servers talk to the hub"),
        new($"{Server}.Streams", $"{Server}.Ingest", "media flows one way"),
        new($"{Server}.Streams", $"{Server}.Playback", "media flows one way: readers subscribe to the hub"),
        new($"{Server}.Streams", $"{Server}.Api", "the hub knows nothing of the API"),
        new($"{Server}.Playback", $"{Server}.Api", "Playback reads the hub and resources; it never calls Api"),
        new($"{Server}.Playback", $"{Server}.Ingest", "media flows one way"),

        // Hosting composes every room; no room reads anything from it (each owns its options type).
        .. Rooms.Where(r => r != "Hosting").Select(r => new DependencyRule($"{Server}.{r}", $"{Server}.Hosting", "Hosting only composes: options live in the rooms that use them")),

        // The lower rooms know nothing of the rooms above them.
        .. Above("Resources", "Api", "Auth", "Streams", "Ingest", "Playback", "Events", "Recording"),
        .. Above("Storage", "Api", "Auth", "Resources", "Streams", "Ingest", "Playback", "Events", "Recording", "Hosting"),
    ];

    [Fact]
    public void ServerRoomsFollowTheRules()
    {
        var violations = DependencyChecker.Check([ServerAssembly], Rules);
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    /// <summary>No two rooms use each other, directly or around a circle (Hosting included: it uses every room, none uses it).</summary>
    [Fact]
    public void ServerRoomsHaveNoCycles()
    {
        var cycles = DependencyChecker.Cycles(ServerAssembly, Rooms.Select(r => $"{Server}.{r}").ToArray());
        Assert.True(cycles.Count == 0, "Cycles: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c))));
    }

    [Theory]
    [InlineData("OpenIvs.Protocol", new string[0])]
    [InlineData("OpenIvs.Media", new string[0])]
    [InlineData("OpenIvs.Client", new[] { "OpenIvs.Protocol", "Microsoft.Extensions." })]
    [InlineData("OpenIvs.Server", new[] { "OpenIvs.Protocol", "OpenIvs.Media", "Microsoft.AspNetCore.", "Microsoft.Extensions.", "Microsoft.Data.Sqlite", "Npgsql", "Microsoft.Net.Http.Headers", "OpenIvs.Client", "OpenTelemetry", "OpenTelemetry.", "AWSSDK.", "MaxMind.", "Microsoft.Win32.Primitives" })] // Client: the AWS credentials chain of the EventBridge sink; OpenTelemetry: Telemetry/; AWSSDK: S3 recording destinations; MaxMind: viewer countries (Playback/ViewerCountries); Npgsql: Storage/Postgres
    public void ProjectsReferenceOnlyWhatTheRulesAllow(string assemblyName, string[] allowed)
    {
        var assembly = Assembly.Load(assemblyName); // all four are in this test project's output
        var references = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var forbidden = references.Where(name =>
            !(name == "netstandard" || name.StartsWith("System", StringComparison.Ordinal)
              || allowed.Any(a => name == a.TrimEnd('.') || (a.EndsWith('.') && name.StartsWith(a, StringComparison.Ordinal)))));
        Assert.Empty(forbidden);
    }

    private static IEnumerable<DependencyRule> Above(string room, params string[] above) =>
        above.Select(a => new DependencyRule($"{Server}.{room}", $"{Server}.{a}", $"{room} is below {a}"));
}
