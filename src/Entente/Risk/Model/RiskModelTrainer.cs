using System.Diagnostics;
using System.Globalization;

namespace Entente.Risk.Model;

/// <summary>Trains a model version: feature tables and trees on the training rows, metrics on rows it never saw.</summary>
public static class RiskModelTrainer
{
    /// <summary>The selection rates every model card and benchmark reports (percent of declarations inspected).</summary>
    public static readonly double[] ReportedRates = [1, 2, 5, 10];

    /// <param name="validation">Rows to validate on; when null the latest <paramref name="holdout"/> of <paramref name="training"/> by date.</param>
    /// <param name="refit">After validating, train the version that is saved on training and validation rows together.</param>
    public static RiskModel Train(TrainingSet training, TrainingSet? validation, BoostingOptions options, int seed, DateTimeOffset now, double holdout = 0.2, bool refit = true)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        if (training.Count < 20) throw new ArgumentException($"{training.Count} labelled declarations: at least 20 are needed to train", nameof(training));
        if (training.Fraud.All(f => f) || training.Fraud.All(f => !f)) throw new ArgumentException("the training declarations are all fraud or all not fraud: nothing to learn", nameof(training));
        var clock = Stopwatch.StartNew();
        TrainingSet fitOn = training;
        TrainingSet validateOn;
        if (validation is null)
            (fitOn, validateOn) = training.SplitByTime(holdout);
        else
            validateOn = validation;

        var first = Fit(fitOn, options, seed);
        var report = Validate(first.Features, first.Ensemble, validateOn);
        var final = first;
        var finalSet = fitOn;
        if (refit)
        {
            finalSet = validation is null ? training : TrainingSet.Concat(training, validation);
            final = Fit(finalSet, options, seed);
        }
        var card = new ModelCard
        {
            Version = now.ToUniversalTime().ToString("yyyyMMdd'-'HHmmss", CultureInfo.InvariantCulture),
            CreatedAt = now,
            Trainer = options.Trainer,
            Hyperparameters = options,
            Seed = seed,
            Training = finalSet.Summary(),
            Validation = report,
            Features = [.. final.Features.Slots.Select((s, i) => new FeatureImportance(s.Name, Math.Round(final.Importance[i], 5))).OrderByDescending(f => f.Importance)],
            TrainingSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
        };
        return new RiskModel(final.Features, final.Ensemble, card);
    }

    internal static (RiskFeatures Features, TreeEnsemble Ensemble, double[] Importance) Fit(TrainingSet set, BoostingOptions options, int seed)
    {
        var (features, matrix) = RiskFeatures.Fit(set.Facts, set.Fraud, set.Critical, options.Smoothing, options.Folds, seed);
        var (ensemble, importance) = GradientBoosting.Train(matrix, set.Fraud, options, seed);
        return (features, ensemble, importance);
    }

    internal static double[] Scores(RiskFeatures features, TreeEnsemble ensemble, IReadOnlyList<RiskFacts> rows)
    {
        var scores = new double[rows.Count];
        var x = new float[features.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            features.Extract(rows[i], x);
            scores[i] = ensemble.Raw(x);
        }
        return scores;
    }

    private static ValidationReport Validate(RiskFeatures features, TreeEnsemble ensemble, TrainingSet validation)
    {
        var scores = Scores(features, ensemble, validation.Facts);
        var order = RankingMetrics.Order(scores);
        var metrics = ReportedRates.Select(r => RankingMetrics.At(r, scores, validation.Fraud, null, validation.Critical, order)).ToList();
        return new ValidationReport(string.Join("+", validation.Sources), validation.Summary(), metrics, RankingMetrics.Auc(scores, validation.Fraud));
    }
}
