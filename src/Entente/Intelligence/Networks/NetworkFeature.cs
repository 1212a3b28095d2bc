using Entente.Risk.Benchmark;
using Entente.Risk.Model;

namespace Entente.Intelligence.Networks;

/// <summary>
/// Network proximity to past seizures for the benchmark (docs/networks.md): a graph of the training and test rows
/// linked by their parties, the training rows labelled fraud as the seizures. Training rows get the fact out of fold
/// (their own fold's labels unmarked, so no row sees its own label); test rows see every training label and none of theirs.
/// Given to the benchmark by the CLI (<c>risk bench --network</c>), so that Risk does not depend on this folder.
/// </summary>
public static class NetworkFeature
{
    public const int Folds = 5;

    /// <summary>Adds the fact to the training rows and the test declarations; returns the test rows scored by proximity alone.</summary>
    public static double[] Add(TrainingSet training, TestDeclarations test)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(test);
        var testFacts = test.Rows.Select(r => r is null ? null : RiskFacts.Of(r)).ToList();
        for (var fold = 0; fold <= Folds; fold++)
        {
            var builder = new TraderGraphBuilder();
            var links = new List<NetworkLink>(5);
            for (var i = 0; i < training.Count; i++)
            {
                Links(training.Facts[i], links);
                var seized = training.Fraud[i] && (fold == Folds || i % Folds != fold);
                builder.Add(NetworkNodeKind.Declaration, "t" + i, links, seized ? "label" : null);
            }
            for (var j = 0; j < testFacts.Count; j++)
            {
                if (testFacts[j] is not { } facts) continue;
                Links(facts, links);
                builder.Add(NetworkNodeKind.Declaration, "x" + j, links);
            }
            var graph = builder.Build();
            if (fold < Folds)
            {
                for (var i = fold; i < training.Count; i += Folds)
                {
                    var facts = training.Facts[i];
                    facts.National = new Dictionary<string, string>(facts.National, StringComparer.Ordinal)
                    {
                        [NetworkProximity.Element] = NetworkProximity.Bucket(NetworkProximity.Hops(graph, graph.Find("t" + i))),
                    };
                }
                continue;
            }
            for (var j = 0; j < testFacts.Count; j++)
                if (test.Rows[j] is { } declaration) NetworkProximity.Annotate(graph, graph.Find("x" + j), declaration);
        }
        return Score(test);
    }

    /// <summary>Scores by proximity alone: a seizure one hop away first.</summary>
    private static double[] Score(TestDeclarations test) =>
        test.Rows.Select(r => r?.NationalData.GetValueOrDefault(NetworkProximity.Element) switch
        {
            "1" => 3.0,
            "2" => 2.0,
            "3" => 1.0,
            _ => 0.0,
        }).ToArray();

    private static void Links(RiskFacts facts, List<NetworkLink> links)
    {
        links.Clear();
        foreach (var id in new[] { facts.Importer, facts.Declarant, facts.Seller, facts.Courier, facts.Exporter })
            if (id is not null) links.Add(new NetworkLink(NetworkNodeKind.Party, "party:" + id, null));
    }
}
