using Entente.Declarations;
using Entente.Risk.Model;
using Entente.Tools.Generation;

namespace Entente.Tests.Risk.Model;

/// <summary>
/// The fast scoring path (hashed tables, keys written into a buffer, trees walked eight at a time, contributions
/// read from the nodes) against a straightforward computation: the string-keyed tables and one tree after another.
/// </summary>
public sealed class RiskScoringTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "entente-risk-scoring-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static readonly string[] ImportTypes = ["11", "21", "29", "87"];

    // Generated declarations with a national data element, so national groupings are in the model too.
    private static IEnumerable<(Declaration Declaration, Entente.Declarations.InspectionLabels Labels)> Declarations(int count, int seed)
    {
        var random = new Random(seed);
        foreach (var record in new DeclarationGenerator(seed).Generate(count))
        {
            record.Declaration!.NationalData["import-type"] = ImportTypes[random.Next(ImportTypes.Length)];
            yield return (record.Declaration, record.Labels!);
        }
    }

    private static readonly Lazy<RiskModel> Trained = new(() =>
    {
        var set = new TrainingSet();
        set.Sources.Add("generator");
        foreach (var (declaration, labels) in Declarations(3000, 5)) set.Add(declaration, labels);
        return RiskModelTrainer.Train(set, null, new BoostingOptions { Trees = 45, Leaves = 15, MinimumLeafCount = 10, LearningRate = 0.1, Threads = 1 }, seed: 2, Now, refit: false);
    });

    private static List<Declaration> ToScore()
    {
        var list = Declarations(150, 77).Select(d => d.Declaration).ToList();
        // A trader code longer than the key buffer, and a declaration with nothing filled in.
        var odd = Declarations(1, 78).Single().Declaration;
        odd.Parties.Find(p => p.Role == PartyRole.Importer)!.Id = new string('7', 300);
        list.Add(odd);
        list.Add(new Declaration());
        return list;
    }

    private static float[] ReferenceVector(RiskFeatures features, RiskFacts facts)
    {
        var groupings = features.Groupings;
        var histories = new History[groupings.Count];
        var counts = new int[groupings.Count];
        var present = new bool[groupings.Count];
        for (var g = 0; g < groupings.Count; g++)
        {
            var value = groupings[g].ValueOf(facts);
            present[g] = value is not null;
            histories[g] = features.Tables.Lookup(groupings[g].Name, value);
            counts[g] = histories[g].Count;
        }
        var names = RiskFeatures.NormNames.ToArray();
        var norms = names.Select((name, level) => features.Tables.Norm(name, RiskFeatures.NormKey(level, facts))).ToArray();
        var x = new float[features.Count];
        features.Fill(facts, histories, counts, present, norms, x);
        return x;
    }

    private static double ReferenceRaw(TreeEnsemble trees, float[] x, double[]? contributions = null)
    {
        var sum = trees.Bias;
        foreach (var root in trees.Roots)
        {
            var node = root;
            var value = root >= 0 ? trees.NodeValue[root] : trees.LeafValue[~root];
            while (node >= 0)
            {
                var next = x[trees.Feature[node]] <= trees.Threshold[node] ? trees.Left[node] : trees.Right[node];
                var nextValue = next >= 0 ? trees.NodeValue[next] : trees.LeafValue[~next];
                if (contributions is not null) contributions[trees.Feature[node]] += (double)nextValue - value;
                value = nextValue;
                node = next;
            }
            sum += trees.LeafValue[~node];
        }
        return sum;
    }

    [Fact]
    public void The_feature_vector_from_hashed_tables_is_the_one_the_string_tables_give()
    {
        var model = Trained.Value;
        Assert.Contains(model.Features.Groupings, g => g.Name == "national.import-type");
        foreach (var declaration in ToScore())
        {
            var facts = RiskFacts.Of(declaration);
            var fast = new float[model.Features.Count];
            model.Features.Extract(facts, fast);
            Assert.Equal(ReferenceVector(model.Features, facts), fast);
        }
    }

    [Fact]
    public void Trees_walked_eight_at_a_time_give_the_score_of_one_tree_after_another()
    {
        var model = Trained.Value;
        Assert.NotEqual(0, model.Ensemble.Trees % 8);
        foreach (var declaration in ToScore())
        {
            var x = ReferenceVector(model.Features, RiskFacts.Of(declaration));
            var raw = ReferenceRaw(model.Ensemble, x);
            Assert.Equal(raw, model.Ensemble.Raw(x));
            Assert.Equal(model.Ensemble.Probability(raw), model.Probability(declaration));
            Assert.Equal(model.Probability(declaration), model.Score(declaration).Probability);
        }
    }

    [Fact]
    public void The_explanation_credits_each_feature_as_a_walk_of_one_tree_after_another_does()
    {
        var model = Trained.Value;
        foreach (var declaration in ToScore())
        {
            var x = ReferenceVector(model.Features, RiskFacts.Of(declaration));
            var expected = new double[x.Length];
            ReferenceRaw(model.Ensemble, x, expected);
            var actual = new double[x.Length];
            Assert.Equal(model.Ensemble.Raw(x), model.Ensemble.Contributions(x, actual));
            for (var i = 0; i < x.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5);
        }
    }

    [Fact]
    public void A_reloaded_model_gives_the_same_probabilities_and_the_same_reasons()
    {
        var model = Trained.Value;
        model.Save(_folder);
        var loaded = RiskModel.Load(_folder);
        foreach (var declaration in ToScore())
        {
            var before = model.Score(declaration, reasons: 3);
            var after = loaded.Score(declaration, reasons: 3);
            Assert.Equal(before.Probability, after.Probability);
            Assert.Equal(before.Reasons.Select(r => r.Text), after.Reasons.Select(r => r.Text));
            Assert.Equal(model.Probability(declaration), loaded.Probability(declaration));
        }
    }

    [Fact]
    public void Reasons_are_the_groupings_that_raised_the_score_most_strongest_first()
    {
        var model = Trained.Value;
        var explained = 0;
        foreach (var declaration in ToScore())
        {
            var score = model.Score(declaration, reasons: 3);
            Assert.True(score.Reasons.Count <= 3);
            Assert.All(score.Reasons, r => Assert.True(r.Contribution > 0));
            Assert.Equal(score.Reasons.OrderByDescending(r => r.Contribution).Select(r => r.Feature), score.Reasons.Select(r => r.Feature));
            Assert.Equal(score.Reasons.Count, score.Reasons.Select(r => r.Feature.Split('.')[0]).Distinct().Count());
            if (score.Reasons.Count > 0) explained++;
        }
        Assert.True(explained > 100, $"only {explained} declarations had a reason");
    }
}
