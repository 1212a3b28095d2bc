using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Entente.Tests.Architecture;

/// <summary>Keeps the house tidy (issue 13): feature folders point one way, and only the host knows every feature.</summary>
public sealed class ArchitectureTests
{
    private static readonly System.Reflection.Assembly NodeLibrary = typeof(Entente.Declarations.Declaration).Assembly;
    private static readonly System.Reflection.Assembly Host = typeof(Entente.Hosting.NodeComposition).Assembly;

    private static readonly ArchUnitNET.Domain.Architecture Library = new ArchLoader().LoadAssemblies(NodeLibrary).Build();
    private static readonly ArchUnitNET.Domain.Architecture Node = new ArchLoader().LoadAssemblies(NodeLibrary, Host).Build();

    [Fact]
    public void The_feature_folders_of_the_node_library_import_each_other_in_no_cycle()
    {
        var graph = FolderGraph(Library);
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.True(cycles.Count == 0, "feature folders in a cycle: " + string.Join("; ", cycles.Select(c =>
            string.Join(", ", c.SelectMany(a => graph[a].Where(e => c.Contains(e.Key)).Select(e => $"{a} -> {e.Key} ({e.Value})"))))));
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle_between_two_folders()
    {
        var graph = new Dictionary<string, Dictionary<string, string>>
        {
            ["Risk"] = new() { ["Exchange"] = "a" },
            ["Exchange"] = new() { ["Ledger"] = "b" },
            ["Ledger"] = new() { ["Risk"] = "c" },
            ["Storage"] = new(),
        };
        var cycle = Assert.Single(StronglyConnected(graph), c => c.Count > 1);
        Assert.Equal(["Exchange", "Ledger", "Risk"], cycle.Order(StringComparer.Ordinal));
    }

    /// <summary>Folder -> folder it uses -> one type dependency that shows it (as ArchUnitNET reads them from the IL).</summary>
    private static Dictionary<string, Dictionary<string, string>> FolderGraph(ArchUnitNET.Domain.Architecture architecture)
    {
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in architecture.Types)
        {
            if (type.Namespace?.FullName is not { } ns || Folder(ns) is not { } from) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = new(StringComparer.Ordinal);
            foreach (var dependency in type.Dependencies)
            {
                if (dependency.Target?.Namespace?.FullName is { } target && Folder(target) is { } to && to != from)
                    edges.TryAdd(to, $"{type.FullName} uses {dependency.Target.FullName}");
            }
        }
        return graph;
    }

    private static string? Folder(string ns) => ns.StartsWith("Entente.", StringComparison.Ordinal) ? ns.Split('.')[1] : null;

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<HashSet<string>> StronglyConnected(Dictionary<string, Dictionary<string, string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var result = new List<HashSet<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            foreach (var w in graph.TryGetValue(v, out var edges) ? edges.Keys.ToArray() : [])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (stack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new HashSet<string>(StringComparer.Ordinal);
            string x;
            do component.Add(x = stack.Pop()); while (x != v);
            result.Add(component);
        }
        foreach (var v in graph.Keys) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    [Fact]
    public void No_feature_imports_the_host() =>
        Types().That().ResideInAssembly(NodeLibrary).Should().NotDependOnAny(Types().That().ResideInNamespace("Entente.Hosting")).Check(Node);

    [Fact]
    public void Only_the_endpoint_classes_of_the_node_library_use_ASP_NET_Core()
    {
        // The library keeps the framework reference for its thin endpoint files (MapXxx), nothing else.
        var users = Library.Types
            .Where(t => t.Dependencies.Any(d => d.Target?.Namespace?.FullName?.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) == true))
            .Select(t => t.FullName.Split('+')[0])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(users);
        Assert.All(users, name => Assert.True(name.EndsWith("Api", StringComparison.Ordinal) || name.EndsWith("Endpoints", StringComparison.Ordinal),
            $"{name} uses ASP.NET Core but is not an endpoint class (*Api, *Endpoints)"));
    }

    [Fact]
    public void The_web_console_calls_use_cases_and_stores_never_the_database()
    {
        // The console's pages go through the node library's use cases (the same the API endpoints call): no SQL of their own.
        var console = new ArchLoader().LoadAssemblies(typeof(Entente.WebConsole.ConsoleComposition).Assembly, NodeLibrary).Build();
        Types().That().ResideInAssembly(typeof(Entente.WebConsole.ConsoleComposition).Assembly)
            .Should().NotDependOnAny(Types().That().HaveFullName("Entente.Storage.NodeDatabase").Or().ResideInNamespace("System.Data.Common"))
            .Check(console);
    }

    [Fact]
    public void The_slices_the_cycle_rule_sees_are_the_feature_folders()
    {
        // The cycle rule is only as good as its slicing: every feature folder must be a slice of its own.
        var folders = Library.Types.Select(t => t.Namespace.FullName).Where(n => n.StartsWith("Entente.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[1]).ToHashSet(StringComparer.Ordinal);
        foreach (var feature in new[] { "Access", "Agreements", "Declarations", "Exchange", "Identity", "Ingest", "Ledger", "Risk", "Storage", "Witnessing" })
            Assert.Contains(feature, folders);
        Assert.DoesNotContain("Hosting", folders);
        Assert.DoesNotContain("Nodes", folders);
    }
}
