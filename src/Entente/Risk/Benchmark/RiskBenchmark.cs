using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Entente.Declarations;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Risk.Model;

namespace Entente.Risk.Benchmark;

public sealed record BenchmarkOptions
{
    public required string Train { get; init; }
    public string? Valid { get; init; }
    public required string Test { get; init; }
    public required string Mapping { get; init; }
    public int Seeds { get; init; } = 5;
    public IReadOnlyList<double> Rates { get; init; } = [1, 2, 5, 10];
    public string? ScoresOut { get; init; }
    public BoostingOptions Boosting { get; init; } = new();

    /// <summary>
    /// Also train with network proximity to past seizures (docs/networks.md) and report it beside the model without it:
    /// adds the fact to the training rows and test declarations, and returns the test rows scored by proximity alone.
    /// </summary>
    public Func<TrainingSet, TestDeclarations, double[]>? Network { get; init; }
}

/// <summary>The labels of the test rows, held by the harness only: the selectors are given the declarations alone.</summary>
public sealed record TestLabels(bool[] Fraud, bool[]? Critical, decimal[]? Revenue)
{
    public int Count => Fraud.Length;
}

/// <summary>The test rows as a selector sees them: declarations in file order (null where a row could not be read).</summary>
public sealed record TestDeclarations(IReadOnlyList<Declaration?> Rows, IReadOnlyList<long> Lines);

/// <summary>A selector's figure at one rate: mean and standard deviation over seeds.</summary>
public sealed record Spread(double Mean, double Sd)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new(mean, sd);
    }

    public override string ToString() => Sd == 0 ? Mean.ToString("0.000", CultureInfo.InvariantCulture) : $"{Mean.ToString("0.000", CultureInfo.InvariantCulture)} ± {Sd.ToString("0.000", CultureInfo.InvariantCulture)}";
}

public sealed record RateResult(double RatePercent, int Selected, Spread Precision, Spread Recall, Spread? Revenue, Spread? CriticalPrecision);

public sealed record SelectorResult(string Selector, IReadOnlyList<RateResult> Rates, Spread Auc, double SecondsPerRun);

public sealed record PublishedResult(string Selector, Dictionary<string, double> Precision);

public sealed record PublishedResults(string Citation, string DataSet, string Measure, IReadOnlyList<PublishedResult> Results)
{
    public static PublishedResults Load()
    {
        using var stream = typeof(PublishedResults).Assembly.GetManifestResourceStream("Entente.Risk.Benchmark.published.json")
            ?? throw new InvalidOperationException("the published results resource is missing from the build");
        return JsonSerializer.Deserialize<PublishedResults>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }
}

public sealed record BenchmarkResult(
    string Train, string? Valid, string Test, string Mapping, int TrainingRows, int TestRows, int UnreadTestRows,
    double TestBaseRate, int Seeds, BoostingOptions Boosting, IReadOnlyList<SelectorResult> Selectors, PublishedResults Published);

/// <summary>
/// The targeting benchmark as the literature measures it: train on the training file(s) with their labels, take
/// every label away from the test rows before any selector sees them, score every test row, select the top
/// k = ceil(n % × N) by score (file order on ties) and report precision, recall, revenue, critical-fraud precision
/// and AUC, mean ± sd over seeds — beside reference selectors (random, highest value first, HS history).
/// </summary>
public static class RiskBenchmark
{
    /// <summary>Reads a labelled test file and separates it: declarations for the selectors, labels for the harness.</summary>
    public static (TestDeclarations Declarations, TestLabels Labels) ReadTest(string path, CsvMapping mapping, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var rows = new List<Declaration?>();
        var lines = new List<long>();
        var fraud = new List<bool>();
        var critical = mapping.Labels?.Critical is null ? null : new List<bool>();
        var revenue = mapping.Labels?.Revenue is null ? null : new List<decimal>();
        using var stream = File.OpenRead(path);
        foreach (var record in new CsvReader(mapping).Read(stream, path, cancellationToken))
        {
            if (TrainingSet.LabelError(record, mapping) is { } bad)
                throw new IngestFormatException(bad with { Message = $"the test row's label cannot be read, so the row cannot be measured: {bad.Message}" });
            rows.Add(record.Declaration);
            lines.Add(record.Line);
            fraud.Add(record.Labels!.Fraud);
            critical?.Add(record.Labels.CriticalFraud == 2);
            revenue?.Add(record.Labels.RevenueRecovered ?? 0);
        }
        return (new TestDeclarations(rows, lines), new TestLabels([.. fraud], critical?.ToArray(), revenue?.ToArray()));
    }

    /// <summary>The model selector: trained on the labelled training set, given the test declarations only.</summary>
    public static double[] ScoreWithModel(RiskModel model, TestDeclarations test) =>
        [.. test.Rows.Select(d => d is null ? double.NegativeInfinity : model.Raw(RiskFacts.Of(d)))];

    public static double[] ScoreRandom(TestDeclarations test, int seed)
    {
        var random = new Random(seed);
        return [.. test.Rows.Select(_ => random.NextDouble())];
    }

    public static double[] ScoreHighestValue(TestDeclarations test) =>
        [.. test.Rows.Select(d => d is null ? double.NegativeInfinity : (double)d.GoodsShipment.GoodsItems.Sum(i => (i.ItemPrice ?? i.CustomsValue)?.Value ?? 0))];

    /// <summary>HS history: the smoothed fraud rate of the declaration's most specific HS code seen in training (code → HS6 → HS4 → chapter).</summary>
    public static double[] ScoreHsHistory(TrainingSet training, TestDeclarations test, double smoothing = 10)
    {
        ArgumentNullException.ThrowIfNull(training);
        var tables = new Dictionary<string, (int Count, int Fraud)>[4];
        for (var level = 0; level < 4; level++) tables[level] = new(StringComparer.Ordinal);
        var baseRate = training.Count == 0 ? 0 : (double)training.Fraud.Count(f => f) / training.Count;
        for (var i = 0; i < training.Count; i++)
        {
            var hs = training.Facts[i].Hs;
            for (var level = 0; level < 4; level++)
            {
                var key = HsLevel(hs, level);
                if (key is null) continue;
                var (count, fraud) = tables[level].GetValueOrDefault(key);
                tables[level][key] = (count + 1, fraud + (training.Fraud[i] ? 1 : 0));
            }
        }
        return [.. test.Rows.Select(d =>
        {
            if (d is null) return double.NegativeInfinity;
            var hs = RiskFacts.Of(d).Hs;
            var rate = baseRate;
            for (var level = 0; level < 4; level++)
            {
                var key = HsLevel(hs, level);
                if (key is null || !tables[level].TryGetValue(key, out var h)) continue;
                rate = (h.Fraud + smoothing * rate) / (h.Count + smoothing);
            }
            return rate;
        })];
    }

    private static string? HsLevel(string hs, int level) => level switch
    {
        0 => hs.Length >= 2 ? hs[..2] : null,
        1 => hs.Length >= 4 ? hs[..4] : null,
        2 => hs.Length >= 6 ? hs[..6] : null,
        _ => hs.Length > 6 ? hs : null,
    };

    public static BenchmarkResult Run(BenchmarkOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Seeds < 1) throw new ArgumentException("--seeds: expected at least 1", nameof(options));
        var mapping = CsvMapping.Load(options.Mapping);
        // The mapping parser already refuses a label column read as a declaration field; labels only reach SourceRecord.Labels.
        if (mapping.Labels is null)
            throw new IngestFormatException(new IngestError(mapping.SourceFile, null, "labels", "the mapping has no labels: section naming the fraud column (and optionally critical-fraud and revenue)"));
        var training = TrainingSet.FromCsv(options.Train, mapping, cancellationToken);
        if (options.Valid is { } valid) training = TrainingSet.Concat(training, TrainingSet.FromCsv(valid, mapping, cancellationToken));
        var (test, labels) = ReadTest(options.Test, mapping, cancellationToken);
        progress?.Invoke($"training rows {training.Count:N0} (base rate {training.Summary().BaseRate:P1}), test rows {labels.Count:N0}");

        var runs = new Dictionary<string, List<(double[] Scores, double Seconds)>>();
        void Record(string name, double[] scores, double seconds)
        {
            if (!runs.TryGetValue(name, out var list)) runs[name] = list = [];
            list.Add((scores, seconds));
        }
        var modelName = $"Entente model ({options.Boosting.Trainer})";
        for (var seed = 1; seed <= options.Seeds; seed++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var (features, ensemble, _) = RiskModelTrainer.Fit(training, options.Boosting, seed);
            var model = new RiskModel(features, ensemble, BenchCard(options, seed));
            var scores = ScoreWithModel(model, test);
            Record(modelName, scores, clock.Elapsed.TotalSeconds);
            progress?.Invoke($"seed {seed}: trained and scored in {clock.Elapsed.TotalSeconds:0.0} s");
            clock.Restart();
            Record("random", ScoreRandom(test, seed), clock.Elapsed.TotalSeconds);
        }
        var once = Stopwatch.StartNew();
        Record("highest value first", ScoreHighestValue(test), once.Elapsed.TotalSeconds);
        once.Restart();
        Record("HS history", ScoreHsHistory(training, test, options.Boosting.Smoothing), once.Elapsed.TotalSeconds);
        if (options.Network is { } network)
        {
            once.Restart();
            var alone = network(training, test);
            progress?.Invoke($"network proximity added to {training.Count:N0} training rows (out of fold) and the test rows in {once.Elapsed.TotalSeconds:0.0} s");
            Record("network proximity alone", alone, once.Elapsed.TotalSeconds);
            for (var seed = 1; seed <= options.Seeds; seed++)
            {
                var clock = Stopwatch.StartNew();
                var (features, ensemble, _) = RiskModelTrainer.Fit(training, options.Boosting, seed);
                Record(modelName + " + network proximity", ScoreWithModel(new RiskModel(features, ensemble, BenchCard(options, seed)), test), clock.Elapsed.TotalSeconds);
            }
        }

        var selectors = runs.Select(r => Measure(r.Key, r.Value, labels, options.Rates)).ToList();
        if (options.ScoresOut is { } path) WriteScores(path, test, runs[modelName].Select(r => r.Scores).ToList());
        return new BenchmarkResult(options.Train, options.Valid, options.Test, options.Mapping, training.Count, labels.Count,
            test.Rows.Count(r => r is null), labels.Fraud.Count(f => f) / (double)Math.Max(1, labels.Count), options.Seeds, options.Boosting, selectors, PublishedResults.Load());
    }

    private static ModelCard BenchCard(BenchmarkOptions options, int seed) => new()
    {
        Version = $"bench-seed-{seed}",
        CreatedAt = default,
        Trainer = options.Boosting.Trainer,
        Hyperparameters = options.Boosting,
        Seed = seed,
        Training = new DataSummary([options.Train], null, null, 0, 0, 0, 0),
        Features = [],
    };

    private static SelectorResult Measure(string name, List<(double[] Scores, double Seconds)> runs, TestLabels labels, IReadOnlyList<double> rates)
    {
        var perRun = runs.Select(r =>
        {
            var order = RankingMetrics.Order(r.Scores);
            return rates.Select(rate => RankingMetrics.At(rate, r.Scores, labels.Fraud, labels.Revenue, labels.Critical, order)).ToList();
        }).ToList();
        var results = rates.Select((rate, i) => new RateResult(rate, perRun[0][i].Selected,
            Spread.Of([.. perRun.Select(m => m[i].Precision)]),
            Spread.Of([.. perRun.Select(m => m[i].Recall)]),
            labels.Revenue is null ? null : Spread.Of([.. perRun.Select(m => m[i].Revenue ?? 0)]),
            labels.Critical is null ? null : Spread.Of([.. perRun.Select(m => m[i].CriticalPrecision ?? 0)]))).ToList();
        return new SelectorResult(name, results, Spread.Of([.. runs.Select(r => RankingMetrics.Auc(r.Scores, labels.Fraud))]), runs.Average(r => r.Seconds));
    }

    private static void WriteScores(string path, TestDeclarations test, List<double[]> seeds)
    {
        var text = new StringBuilder();
        text.Append("row,line,reference");
        for (var s = 0; s < seeds.Count; s++) text.Append(CultureInfo.InvariantCulture, $",score_seed{s + 1}");
        text.AppendLine(",score_mean");
        for (var i = 0; i < test.Rows.Count; i++)
        {
            var d = test.Rows[i];
            text.Append(CultureInfo.InvariantCulture, $"{i + 1},{test.Lines[i]},{d?.Mrn ?? d?.Lrn ?? ""}");
            double sum = 0;
            foreach (var s in seeds)
            {
                text.Append(',').Append(s[i].ToString("R", CultureInfo.InvariantCulture));
                sum += s[i];
            }
            text.Append(',').AppendLine((sum / seeds.Count).ToString("R", CultureInfo.InvariantCulture));
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>The side-by-side table printed by `entente risk bench`.</summary>
    public static string Format(BenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"train {result.Train}{(result.Valid is null ? "" : " + " + result.Valid)}: {result.TrainingRows:N0} labelled rows");
        text.AppendLine(inv, $"test  {result.Test}: {result.TestRows:N0} rows, labels removed before scoring (base rate {result.TestBaseRate:0.000}){(result.UnreadTestRows > 0 ? $", {result.UnreadTestRows} unreadable rows ranked last" : "")}");
        text.AppendLine(inv, $"seeds {result.Seeds}; model {result.Boosting.Trainer}, {result.Boosting.Trees} trees, {result.Boosting.Leaves} leaves, learning rate {result.Boosting.LearningRate}");
        text.AppendLine();
        var rates = result.Selectors[0].Rates.Select(r => r.RatePercent).ToList();
        text.Append("precision@n%".PadRight(34));
        foreach (var r in rates) text.Append(inv, $"{"@" + r + "%",-17}");
        text.AppendLine("AUC");
        foreach (var s in result.Selectors)
        {
            text.Append(s.Selector.PadRight(34));
            foreach (var r in s.Rates) text.Append(r.Precision.ToString().PadRight(17));
            text.AppendLine(s.Auc.ToString());
        }
        foreach (var p in result.Published.Results)
        {
            text.Append(p.Selector.PadRight(34));
            foreach (var r in rates) text.Append((p.Precision.TryGetValue(r.ToString(inv), out var v) ? v.ToString("0.000", inv) : "-").PadRight(17));
            text.AppendLine();
        }
        void Table(string title, Func<RateResult, Spread?> pick)
        {
            if (result.Selectors[0].Rates.All(r => pick(r) is null)) return;
            text.AppendLine();
            text.Append(title.PadRight(34));
            foreach (var r in rates) text.Append(inv, $"{"@" + r + "%",-17}");
            text.AppendLine();
            foreach (var s in result.Selectors)
            {
                text.Append(s.Selector.PadRight(34));
                foreach (var r in s.Rates) text.Append((pick(r)?.ToString() ?? "-").PadRight(17));
                text.AppendLine();
            }
        }
        Table("recall@n%", r => r.Recall);
        Table("critical-fraud precision@n%", r => r.CriticalPrecision);
        Table("revenue@n% (share found)", r => r.Revenue);
        text.AppendLine();
        text.AppendLine(inv, $"published: {result.Published.Citation}; {result.Published.Measure}; {result.Published.DataSet}");
        return text.ToString();
    }
}
