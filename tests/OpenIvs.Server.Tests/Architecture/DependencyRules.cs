using System.Reflection;

namespace OpenIvs.Server.Tests.Architecture;

/// <summary>
/// A forbidden dependency: code in namespace <paramref name="From"/> (or below it) may not use types in
/// namespace <paramref name="To"/> (or below it), except the types listed in <paramref name="Except"/>.
/// </summary>
internal sealed record DependencyRule(string From, string To, string Because, params string[] Except)
{
    public bool Forbids(Type user, Type used) =>
        InNamespace(user, From) && InNamespace(used, To) && !Except.Contains(used.FullName, StringComparer.Ordinal);

    private static bool InNamespace(Type type, string ns) =>
        type.Namespace is { } name && (name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal));
}

/// <summary>A use of a type that a rule forbids.</summary>
internal sealed record DependencyViolation(Type User, Type Used, DependencyRule Rule)
{
    public override string ToString() => $"{User.FullName} uses {Used.FullName}: {Rule.From} must not depend on {Rule.To} ({Rule.Because})";
}

/// <summary>Checks assemblies' types against dependency rules (see ArchitectureTests for the rules of this repository).</summary>
internal static class DependencyChecker
{
    public static List<DependencyViolation> Check(IEnumerable<Assembly> assemblies, IReadOnlyList<DependencyRule> rules)
    {
        var violations = new List<DependencyViolation>();
        foreach (var assembly in assemblies)
        {
            foreach (var (user, used) in TypeDependencies.Of(assembly))
            {
                foreach (var type in used)
                {
                    violations.AddRange(rules.Where(r => r.Forbids(user, type)).Select(r => new DependencyViolation(user, type, r)));
                }
            }
        }

        return violations;
    }

    /// <summary>
    /// The cycles among <paramref name="rooms"/> (namespaces and everything below each): every strongly
    /// connected group of more than one room, as a list of the rooms in it.
    /// </summary>
    public static List<List<string>> Cycles(Assembly assembly, IReadOnlyList<string> rooms)
    {
        string? RoomOf(Type t) => rooms.FirstOrDefault(r => t.Namespace is { } ns && (ns == r || ns.StartsWith(r + ".", StringComparison.Ordinal)));

        var edges = rooms.ToDictionary(r => r, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var (user, used) in TypeDependencies.Of(assembly))
        {
            if (RoomOf(user) is not { } from)
            {
                continue;
            }

            foreach (var type in used)
            {
                if (RoomOf(type) is { } to && to != from)
                {
                    edges[from].Add(to);
                }
            }
        }

        // Two rooms are in one cycle when each reaches the other.
        HashSet<string> Reach(string start)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var stack = new Stack<string>([start]);
            while (stack.TryPop(out var room))
            {
                foreach (var next in edges[room].Where(seen.Add))
                {
                    stack.Push(next);
                }
            }

            return seen;
        }

        var reach = rooms.ToDictionary(r => r, Reach);
        var cycles = new List<List<string>>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var room in rooms.Where(r => reach[r].Contains(r) && !placed.Contains(r)))
        {
            var group = rooms.Where(other => reach[room].Contains(other) && reach[other].Contains(room)).ToList();
            placed.UnionWith(group);
            cycles.Add(group);
        }

        return cycles;
    }

    /// <summary>Which namespaces use which (for a report): "A -> B" for every pair of distinct namespaces under <paramref name="root"/>.</summary>
    public static SortedSet<string> NamespaceEdges(Assembly assembly, string root, int depth)
    {
        string? Room(Type t)
        {
            if (t.Namespace is not { } ns || !(ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal)))
            {
                return null;
            }

            var parts = ns.Split('.');
            return string.Join('.', parts.Take(Math.Min(parts.Length, root.Split('.').Length + depth)));
        }

        var edges = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (user, used) in TypeDependencies.Of(assembly))
        {
            foreach (var type in used)
            {
                if (Room(user) is { } from && Room(type) is { } to && from != to)
                {
                    edges.Add($"{from} -> {to}");
                }
            }
        }

        return edges;
    }
}
