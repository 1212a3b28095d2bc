using System.Text.Json;
using Entente.Declarations;

namespace Entente.Risk.Model;

/// <summary>The model's score for one declaration: the calibrated probability of fraud and the features that raised it most.</summary>
public sealed record ModelScore(double Probability, double RawScore, IReadOnlyList<ModelReason> Reasons);

/// <summary>One feature's push on the score (log-odds), in words an officer understands.</summary>
public sealed record ModelReason(string Feature, double Contribution, string Text);

/// <summary>
/// A trained model version: the feature tables fitted on its training data, the compiled trees and the model card.
/// Scoring is a pure function of the declaration, thread-safe and allocation-light.
/// </summary>
public sealed class RiskModel
{
    public const string TreesFile = "trees.json";
    public const string TablesFile = "feature-tables.json";
    public const string CardFile = "model-card.json";

    internal RiskFeatures Features { get; }

    internal TreeEnsemble Ensemble { get; }

    public ModelCard Card { get; }

    public string Version => Card.Version;

    internal RiskModel(RiskFeatures features, TreeEnsemble ensemble, ModelCard card)
    {
        Features = features;
        Ensemble = ensemble;
        Card = card;
    }

    /// <summary>Whether the model was trained with the national data element <paramref name="key"/> as a feature.</summary>
    public bool ReadsNational(string key) => Array.IndexOf(Features.Tables.NationalKeys, key) >= 0;

    /// <summary>Probability of fraud, without the explanation (the fast path).</summary>
    public double Probability(Declaration declaration) => Ensemble.Probability(Raw(RiskFacts.Of(declaration)));

    internal double Raw(RiskFacts facts)
    {
        Span<float> x = stackalloc float[Features.Count];
        Features.Extract(facts, x);
        return Ensemble.Raw(x);
    }

    /// <summary>Probability of fraud and the <paramref name="reasons"/> features that raised it most.</summary>
    public ModelScore Score(Declaration declaration, int reasons = 3)
    {
        var facts = RiskFacts.Of(declaration);
        Span<float> x = stackalloc float[Features.Count];
        Features.Extract(facts, x);
        Span<double> contributions = stackalloc double[Features.Count];
        contributions.Clear();
        var raw = Ensemble.Contributions(x, contributions);

        // One reason per grouping (its rate, count and critical rate together) and one for the unit value; the
        // text is written for the top ones only.
        var reasonOf = Features.ReasonOf;
        Span<double> sums = stackalloc double[Features.ReasonCount];
        Span<int> best = stackalloc int[Features.ReasonCount];
        sums.Clear();
        best.Fill(-1);
        for (var i = 0; i < contributions.Length; i++)
        {
            var c = contributions[i];
            if (c == 0) continue;
            var r = reasonOf[i];
            if (best[r] < 0 || c > contributions[best[r]]) best[r] = i;
            sums[r] += c;
        }
        var top = new List<ModelReason>(Math.Max(0, reasons));
        while (top.Count < reasons)
        {
            var pick = -1;
            for (var r = 0; r < sums.Length; r++)
            {
                if (best[r] >= 0 && sums[r] > 0 && (pick < 0 || sums[r] > sums[pick])) pick = r;
            }
            if (pick < 0) break;
            top.Add(new ModelReason(Features.Slots[best[pick]].Name, sums[pick], Features.Explain(best[pick], facts)));
            best[pick] = -1;
        }
        return new ModelScore(Ensemble.Probability(raw), raw, top);
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Ensemble.Save(Path.Combine(directory, TreesFile));
        Features.Tables.Save(Path.Combine(directory, TablesFile));
        File.WriteAllText(Path.Combine(directory, CardFile), JsonSerializer.Serialize(Card, ModelCard.Json));
    }

    /// <summary>Loads a model version from its folder (trees.json, feature-tables.json, model-card.json).</summary>
    /// <exception cref="InvalidDataException">A file is missing or malformed; the message names it.</exception>
    public static RiskModel Load(string directory)
    {
        foreach (var name in new[] { TreesFile, TablesFile, CardFile })
        {
            if (!File.Exists(Path.Combine(directory, name))) throw new InvalidDataException($"{Path.Combine(directory, name)}: missing; a model folder holds {TreesFile}, {TablesFile} and {CardFile}");
        }
        var card = ModelCard.Load(Path.Combine(directory, CardFile));
        var features = new RiskFeatures(FeatureTables.Load(Path.Combine(directory, TablesFile)));
        var ensemble = TreeEnsemble.Load(Path.Combine(directory, TreesFile), features.Count);
        return new RiskModel(features, ensemble, card);
    }
}
