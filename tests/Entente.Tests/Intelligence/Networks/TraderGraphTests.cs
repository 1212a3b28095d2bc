using Entente.Intelligence.Networks;

namespace Entente.Tests.Intelligence.Networks;

/// <summary>The trader network's algorithms on a small graph whose answers are known: hops, paths, hubs, components, centrality, communities, seizure proximity.</summary>
public sealed class TraderGraphTests
{
    private static NetworkLink Party(string id) => new(NetworkNodeKind.Party, "party:" + id, "importer");

    private static NetworkLink Box(string id) => new(NetworkNodeKind.Container, "container:" + id, null);

    /// <summary>
    /// Ring A: d1 (A, B, box X) seized; d2 (B, C); d3 (C, D). Ring E: d4 (E, F); d5 (F, G). A carrier H on every
    /// declaration (a hub at limit 3), which must not join the rings.
    /// </summary>
    internal static TraderGraph Rings(int hubLimit = 3)
    {
        var builder = new TraderGraphBuilder(hubLimit);
        var hub = new NetworkLink(NetworkNodeKind.Party, "party:H", "carrier");
        builder.Add(NetworkNodeKind.Declaration, "declaration:d1", [Party("A"), Party("B"), Box("X"), hub], "S-1 (test)");
        builder.Add(NetworkNodeKind.Declaration, "declaration:d2", [Party("B"), Party("C"), hub]);
        builder.Add(NetworkNodeKind.Declaration, "declaration:d3", [Party("C"), Party("D"), hub]);
        builder.Add(NetworkNodeKind.Declaration, "declaration:d4", [Party("E"), Party("F"), hub]);
        builder.Add(NetworkNodeKind.Declaration, "declaration:d5", [Party("F"), Party("G"), Party("F")]);
        return builder.Build();
    }

    [Fact]
    public void Two_hops_from_a_seized_consignment_reach_the_co_declared_parties_and_stop_at_hubs()
    {
        var graph = Rings();
        var around = graph.Neighbourhood(graph.Find("declaration:d1"), 2).Where(n => !graph.IsConsignment(n.Node)).ToDictionary(n => graph.Key(n.Node), n => n.Hops);
        Assert.Equal(1, around["party:A"]);
        Assert.Equal(1, around["party:B"]);
        Assert.Equal(1, around["container:X"]);
        Assert.Equal(1, around["party:H"]);
        Assert.Equal(2, around["party:C"]);
        Assert.False(around.ContainsKey("party:D"));
        Assert.False(around.ContainsKey("party:E"));
        Assert.True(graph.IsHub(graph.Find("party:H")));
        Assert.Equal(4, graph.Degree(graph.Find("party:H")));
        Assert.Equal(2, graph.Degree(graph.Find("declaration:d5")));

        // Without the hub limit the carrier joins everything: E is then two hops from the seizure.
        var open = Rings(hubLimit: 100);
        Assert.Contains(open.Neighbourhood(open.Find("declaration:d1"), 2), n => open.Key(n.Node) == "party:E");
    }

    [Fact]
    public void Seizure_proximity_paths_and_components_follow_the_rings()
    {
        var graph = Rings();
        Assert.Equal([1, 1, 2, 3, byte.MaxValue], new[] { "A", "B", "C", "D", "E" }.Select(p => (int)graph.SeizureHops[graph.Find("party:" + p)]));
        Assert.Equal(1, graph.SeizedWithinTwoHops(graph.Find("party:C")));
        Assert.Equal(0, graph.SeizedWithinTwoHops(graph.Find("party:E")));

        var path = graph.ShortestPath(graph.Find("party:A"), graph.Find("party:D"))!;
        Assert.Equal(["party:A", "declaration:d1", "party:B", "declaration:d2", "party:C", "declaration:d3", "party:D"], path.Select(graph.Key));
        Assert.Null(graph.ShortestPath(graph.Find("party:A"), graph.Find("party:G")));

        var components = graph.Components();
        Assert.Equal(components[graph.Find("party:A")], components[graph.Find("party:D")]);
        Assert.Equal(components[graph.Find("party:E")], components[graph.Find("party:G")]);
        Assert.NotEqual(components[graph.Find("party:A")], components[graph.Find("party:E")]);
    }

    /// <summary>
    /// A chain P0 - d1 - P1 - d2 - ... - d12 - P12, a carrier H on every link of it (a hub at limit 5), and at P0 a fan of
    /// declarations to fresh parties, so one end's frontier is much wider than the other's; with <paramref name="shortcut"/>
    /// a declaration s also names P3 and P9.
    /// </summary>
    private static TraderGraph Chain(bool shortcut)
    {
        var builder = new TraderGraphBuilder(hubLimit: 5);
        var hub = new NetworkLink(NetworkNodeKind.Party, "party:H", "carrier");
        for (var i = 1; i <= 12; i++) builder.Add(NetworkNodeKind.Declaration, $"declaration:d{i}", [Party($"P{i - 1}"), Party($"P{i}"), hub]);
        for (var f = 0; f < 3; f++)
        {
            builder.Add(NetworkNodeKind.Declaration, $"declaration:f{f}", [Party("P0"), Party($"F{f}")]);
            for (var g = 0; g < 4; g++) builder.Add(NetworkNodeKind.Declaration, $"declaration:f{f}-{g}", [Party($"F{f}"), Party($"F{f}-{g}"), Party($"G{f}-{g}")]);
        }
        if (shortcut) builder.Add(NetworkNodeKind.Declaration, "declaration:s", [Party("P3"), Party("P9")]);
        return builder.Build();
    }

    [Fact]
    public void The_shortest_path_joins_the_far_ends_of_a_chain_from_either_side_and_goes_round_hubs()
    {
        var graph = Chain(shortcut: false);
        int Node(string key) => graph.Find(key);
        var chain = Enumerable.Range(1, 12).SelectMany(i => new[] { $"declaration:d{i}", $"party:P{i}" }).Prepend("party:P0").ToList();
        Assert.Equal(chain, graph.ShortestPath(Node("party:P0"), Node("party:P12"), 12)!.Select(graph.Key));
        Assert.Equal(Enumerable.Reverse(chain), graph.ShortestPath(Node("party:P12"), Node("party:P0"), 12)!.Select(graph.Key));

        // Exactly as many hops as asked: P0 to P12 is 12 hops (24 links), not found at 11.
        Assert.Null(graph.ShortestPath(Node("party:P0"), Node("party:P12"), 11));
        // From a declaration its parties are at hop 1: d1 to P12 is 12 hops, d1 to d12 too (d12 one hop past P11).
        Assert.Equal(chain[1..], graph.ShortestPath(Node("declaration:d1"), Node("party:P12"), 12)!.Select(graph.Key));
        Assert.Null(graph.ShortestPath(Node("declaration:d1"), Node("party:P12"), 11));
        Assert.Null(graph.ShortestPath(Node("party:P12"), Node("declaration:d1"), 11));
        Assert.Equal(chain[1..^1], graph.ShortestPath(Node("declaration:d1"), Node("declaration:d12"), 12)!.Select(graph.Key));
        Assert.Null(graph.ShortestPath(Node("declaration:d1"), Node("declaration:d12"), 11));
        Assert.Null(graph.ShortestPath(Node("party:P0"), Node("party:P12"), 5));
        Assert.Null(graph.ShortestPath(Node("party:G2-3"), Node("party:P12"), 6));

        // The hub is an end of a path, never a step in one.
        Assert.True(graph.IsHub(Node("party:H")));
        Assert.Equal(["party:H", "declaration:d12", "party:P12"], graph.ShortestPath(Node("party:H"), Node("party:P12"))!.Select(graph.Key));
        Assert.Equal(["party:P0", "declaration:d1", "party:H"], graph.ShortestPath(Node("party:P0"), Node("party:H"))!.Select(graph.Key));
        Assert.Equal(["party:P5"], graph.ShortestPath(Node("party:P5"), Node("party:P5"))!.Select(graph.Key));

        // A declaration naming P3 and P9 cuts the chain short, whichever end the search starts from.
        var cut = Chain(shortcut: true);
        string[] shorter = ["party:P0", "declaration:d1", "party:P1", "declaration:d2", "party:P2", "declaration:d3", "party:P3", "declaration:s", "party:P9",
            "declaration:d10", "party:P10", "declaration:d11", "party:P11", "declaration:d12", "party:P12"];
        Assert.Equal(shorter, cut.ShortestPath(cut.Find("party:P0"), cut.Find("party:P12"), 7)!.Select(cut.Key));
        Assert.Equal(Enumerable.Reverse(shorter), cut.ShortestPath(cut.Find("party:P12"), cut.Find("party:P0"), 7)!.Select(cut.Key));
        Assert.Equal(["party:G1-2", "declaration:f1-2", "party:F1", "declaration:f1", "party:P0", "declaration:d1", "party:P1"],
            cut.ShortestPath(cut.Find("party:G1-2"), cut.Find("party:P1"))!.Select(cut.Key));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_path_is_found_within_N_hops_exactly_when_the_neighbourhood_of_N_hops_reaches_the_far_end(bool shortcut)
    {
        var graph = Chain(shortcut);
        for (var hops = 1; hops <= 7; hops++)
        {
            for (var from = 0; from < graph.NodeCount; from++)
            {
                var within = graph.Neighbourhood(from, hops).ToDictionary(n => n.Node, n => n.Hops);
                for (var to = 0; to < graph.NodeCount; to++)
                {
                    var path = graph.ShortestPath(from, to, hops);
                    Assert.True(within.ContainsKey(to) == (path is not null), $"{graph.Key(from)} to {graph.Key(to)} within {hops} hops: neighbourhood {within.ContainsKey(to)}, path {path is not null}");
                    if (path is not null) Assert.Equal(within[to], TraderGraph.PathHops(graph.IsConsignment(from), path.Count - 1));
                }
            }
        }
    }

    [Fact]
    public void The_broker_between_consignments_ranks_above_a_party_on_one_and_communities_keep_rings_apart()
    {
        var graph = Rings();
        var rank = graph.PageRank();
        Assert.True(rank[graph.Find("party:B")] > rank[graph.Find("party:A")]);
        Assert.True(rank[graph.Find("party:F")] > rank[graph.Find("party:G")]);
        Assert.Equal(graph.NodeCount, rank.Sum(), 6);
        var communities = graph.Communities();
        Assert.Equal(communities[graph.Find("party:E")], communities[graph.Find("party:G")]);
        Assert.NotEqual(communities[graph.Find("party:A")], communities[graph.Find("party:E")]);
    }

    [Fact]
    public void A_whole_graph_answer_is_worked_out_once_per_graph_even_when_asked_at_once()
    {
        var graph = Rings();
        var runs = 0;
        int[] Compute(TraderGraph g)
        {
            Interlocked.Increment(ref runs);
            return g.Communities();
        }
        var answers = Enumerable.Range(0, 8).AsParallel().Select(_ => graph.Memo("communities", Compute)).ToList();
        Assert.Equal(1, runs);
        Assert.All(answers, a => Assert.Same(answers[0], a));
        Assert.Equal(graph.Communities(), answers[0]);
        // Another graph (a rebuild) works it out again.
        Assert.NotSame(answers[0], Rings().Memo("communities", Compute));
        Assert.Equal(2, runs);
    }
}
