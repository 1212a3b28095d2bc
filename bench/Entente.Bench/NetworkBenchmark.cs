using System.Diagnostics;
using System.Globalization;
using Entente.Intelligence.Networks;
using Entente.Tools.Generation;

namespace Entente.Bench;

/// <summary>
/// The trader network (docs/networks.md): a graph of N consignments (default 1,000,000) built from their links, the
/// two-hop neighbourhood of parties p50/p95/max, and the whole-graph algorithms (seizure proximity, components,
/// PageRank, communities). Links are generated with a realistic skew: many small importers, fewer declarants, a few
/// carriers that are hubs, containers reused over time.
/// </summary>
internal static class NetworkBenchmark
{
    public static int Run(string[] args)
    {
        var consignments = Option(args, "--declarations", 1_000_000);
        var queries = Option(args, "--queries", 2_000);
        Console.WriteLine($"# entente bench network on {Environment.ProcessorCount} cores ({CpuModel()}), {Environment.OSVersion}, .NET {Environment.Version}");

        // What extracting the links costs per real declaration (generated canonical declarations).
        var sample = new DeclarationGenerator(7).Generate(20_000).Select(r => r.Declaration!).ToList();
        var links = new List<NetworkLink>();
        var clock = Stopwatch.StartNew();
        foreach (var d in sample)
        {
            links.Clear();
            TraderGraphBuilder.Links(d, links);
        }
        Console.WriteLine($"links of a canonical declaration: {clock.Elapsed.TotalMilliseconds * 1000 / sample.Count:F1} µs each ({sample.Count:N0} generated declarations)");

        // The generated links alone (strings, random draws), timed apart so the build below is the builder's own cost.
        clock.Restart();
        Generate(consignments, links, null);
        var generation = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var builder = new TraderGraphBuilder(nodes: consignments * 2, links: consignments * 7);
        var random = Generate(consignments, links, builder);
        var added = clock.Elapsed.TotalSeconds;
        var graph = builder.Build();
        var built = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"graph of {consignments:N0} consignments: {graph.NodeCount:N0} nodes, {graph.EdgeCount:N0} links; built in {built:F1} s with the generation of the links, " +
            $"{built - generation:F1} s without (links added {added - generation:F1} s, CSR arrays and seizure hops {built - added:F1} s; generating the links alone {generation:F1} s; target ≤ 30 s), " +
            $"{GC.GetTotalMemory(true) / 1e9:F2} GB managed"));

        var parties = graph.Nodes(NetworkNodeKind.Party).Where(n => !graph.IsHub(n)).ToArray();
        var times = new double[queries];
        long reached = 0;
        for (var q = 0; q < queries; q++)
        {
            var start = parties[random.Next(parties.Length)];
            var watch = Stopwatch.StartNew();
            reached += graph.Neighbourhood(start, 2).Count;
            times[q] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"two-hop neighbourhood of a party ({queries:N0} random non-hub parties, {reached / (double)queries:N0} nodes on average): p50 {times[queries / 2]:F2} ms, " +
            $"p95 {times[queries * 95 / 100]:F2} ms (target ≤ 10 ms), max {times[^1]:F2} ms"));

        var paths = Math.Max(20, queries / 10);
        var pathTimes = new double[paths];
        var found = 0;
        for (var q = 0; q < paths; q++)
        {
            var from = parties[random.Next(parties.Length)];
            var to = parties[random.Next(parties.Length)];
            var watch = Stopwatch.StartNew();
            if (graph.ShortestPath(from, to, 6) is not null) found++;
            pathTimes[q] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(pathTimes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shortest path between two parties, at most 6 hops ({paths:N0} random pairs, {found:N0} found): p50 {pathTimes[paths / 2]:F2} ms, p95 {pathTimes[paths * 95 / 100]:F2} ms, max {pathTimes[^1]:F2} ms"));

        clock.Restart();
        var components = graph.Components();
        Console.WriteLine($"components: {components.Distinct().Count():N0} in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        graph.PageRank();
        Console.WriteLine($"PageRank (20 rounds): {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var communities = graph.Communities();
        Console.WriteLine($"communities (label propagation): {communities.Distinct().Count():N0} labels in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>
    /// The links of <paramref name="consignments"/> generated consignments (the same for the same seed), added to
    /// <paramref name="builder"/> when one is given; returns the random source, to go on drawing from.
    /// </summary>
    private static Random Generate(int consignments, List<NetworkLink> links, TraderGraphBuilder? builder)
    {
        var random = new Random(17);
        var importers = consignments / 10;
        var sellers = consignments / 5;
        var containers = consignments * 2 / 5;
        for (var i = 0; i < consignments; i++)
        {
            links.Clear();
            var importer = Skewed(random, importers);
            links.Add(new(NetworkNodeKind.Party, "party:NL" + importer.ToString("D9", CultureInfo.InvariantCulture), "importer"));
            links.Add(new(NetworkNodeKind.Party, "party:NLD" + Skewed(random, 5_000).ToString("D6", CultureInfo.InvariantCulture), "declarant"));
            links.Add(new(NetworkNodeKind.Party, "party:CN" + Skewed(random, sellers).ToString("D10", CultureInfo.InvariantCulture), "seller"));
            links.Add(new(NetworkNodeKind.Party, "party:CARRIER" + random.Next(60).ToString(CultureInfo.InvariantCulture), "carrier"));
            links.Add(new(NetworkNodeKind.Address, "address:" + importer.ToString(CultureInfo.InvariantCulture) + " KERKSTRAAT|1011AB|AMSTERDAM|NL", "importer"));
            links.Add(new(NetworkNodeKind.Container, "container:MSCU" + random.Next(containers).ToString("D7", CultureInfo.InvariantCulture), null));
            links.Add(new(NetworkNodeKind.Vessel, "vessel:IMO" + (9_000_000 + random.Next(3_000)).ToString(CultureInfo.InvariantCulture), null));
            var seized = random.Next(1000) < 3;
            builder?.Add(NetworkNodeKind.Declaration, "declaration:" + i.ToString(CultureInfo.InvariantCulture), links, seized ? "bench seizure" : null);
        }
        return random;
    }

    /// <summary>A skewed draw in [0, n): small numbers far more often (a few big traders, a long tail).</summary>
    private static int Skewed(Random random, int n) => (int)Math.Min(n - 1, Math.Floor(n * Math.Pow(random.NextDouble(), 2.5)));

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
}
