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
}
