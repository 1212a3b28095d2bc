using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Risk.Benchmark;
using Entente.Risk.Model;
using Entente.Tests.Support;

namespace Entente.Tests.Risk.Model;

public sealed class RiskBenchmarkTests : IDisposable
{
    private const string Kcs = "customs-import-declarations";
    private static readonly BoostingOptions Small = new() { Trees = 80, Leaves = 15, MinimumLeafCount = 20, LearningRate = 0.1, Threads = 1 };
    private readonly string _folder = Directory.CreateTempSubdirectory("entente-risk-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string KcsFile(string name) => SharedData.PathOf(Kcs, "v2022-06-hs10", name);

    private static string Mapping => Path.Combine(SharedData.RepositoryRoot, "mappings", "kcs-synthetic-hs10.yaml");

    /// <summary>The first <paramref name="rows"/> rows of a KCS file, optionally with the Fraud and Critical Fraud columns shuffled.</summary>
    private string Slice(string name, int rows, int? shuffleSeed = null)
    {
        var lines = File.ReadLines(KcsFile(name)).Take(rows + 1).ToArray();
        if (shuffleSeed is { } seed)
        {
            var labels = lines.Skip(1).Select(l => l[(l.LastIndexOf(',', l.LastIndexOf(',') - 1) + 1)..]).ToArray();
            new Random(seed).Shuffle(labels);
            for (var i = 1; i < lines.Length; i++)
                lines[i] = lines[i][..(lines[i].LastIndexOf(',', lines[i].LastIndexOf(',') - 1) + 1)] + labels[i - 1];
        }
        var path = Path.Combine(_folder, $"{Path.GetFileNameWithoutExtension(name)}-{rows}-{shuffleSeed}.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [SharedDataFact(Kcs)]
    public void The_engine_never_sees_test_labels_shuffling_them_leaves_every_score_unchanged()
    {
        var train = Slice("df_syn_train_eng.csv", 4000);
        var options = new BenchmarkOptions { Train = train, Test = Slice("df_syn_test_eng.csv", 1500), Mapping = Mapping, Seeds = 1, Boosting = Small with { Trees = 30 }, ScoresOut = Path.Combine(_folder, "a.csv") };
        var honest = RiskBenchmark.Run(options);
        var shuffled = RiskBenchmark.Run(options with { Test = Slice("df_syn_test_eng.csv", 1500, shuffleSeed: 5), ScoresOut = Path.Combine(_folder, "b.csv") });

        Assert.Equal(File.ReadAllText(Path.Combine(_folder, "a.csv")), File.ReadAllText(Path.Combine(_folder, "b.csv")));
        Assert.Equal(honest.TestBaseRate, shuffled.TestBaseRate);
        // The same ranking measured against shuffled labels is no better than chance.
        Assert.InRange(shuffled.Selectors[0].Auc.Mean, 0.4, 0.6);
        Assert.True(honest.Selectors[0].Auc.Mean > 0.6, $"AUC {honest.Selectors[0].Auc.Mean}");
    }

    [SharedDataFact(Kcs)]
    public void The_random_selector_lands_near_the_base_rate_on_the_kcs_test_file()
    {
        var (test, labels) = RiskBenchmark.ReadTest(KcsFile("df_syn_test_eng.csv"), CsvMapping.Load(Mapping));
        Assert.Equal(8481, labels.Count);
        Assert.DoesNotContain(test.Rows, d => d is null);
        var baseRate = labels.Fraud.Count(f => f) / (double)labels.Count;
        Assert.Equal(0.216, baseRate, 3);
        var precision = Enumerable.Range(1, 5).Select(seed => RankingMetrics.At(10, RiskBenchmark.ScoreRandom(test, seed), labels.Fraud).Precision).Average();
        Assert.InRange(precision, baseRate - 0.03, baseRate + 0.03);
    }

    [SharedDataFact(Kcs)]
    public void The_model_selects_better_than_hs_history_and_random_on_kcs_validation()
    {
        var mapping = CsvMapping.Load(Mapping);
        var training = TrainingSet.FromCsv(Slice("df_syn_train_eng.csv", 15000), mapping);
        var (valid, labels) = RiskBenchmark.ReadTest(KcsFile("df_syn_valid_eng.csv"), mapping);
        var (features, ensemble, _) = RiskModelTrainer.Fit(training, Small, seed: 1);
        var model = new RiskModel(features, ensemble, new ModelCard
        {
            Version = "test",
            CreatedAt = default,
            Trainer = Small.Trainer,
            Hyperparameters = Small,
            Seed = 1,
            Training = training.Summary(),
            Features = [],
        });

        double P5(double[] scores) => RankingMetrics.At(5, scores, labels.Fraud).Precision;
        var modelP5 = P5(RiskBenchmark.ScoreWithModel(model, valid));
        var hsP5 = P5(RiskBenchmark.ScoreHsHistory(training, valid));
        var randomP5 = P5(RiskBenchmark.ScoreRandom(valid, 1));
        Assert.True(modelP5 > hsP5 + 0.05, $"model {modelP5:0.000} vs HS history {hsP5:0.000}");
        Assert.True(hsP5 > randomP5, $"HS history {hsP5:0.000} vs random {randomP5:0.000}");
    }

    [SharedDataFact(Kcs)]
    public void A_test_row_without_a_readable_label_is_refused_with_its_file_and_line()
    {
        var lines = File.ReadLines(KcsFile("df_syn_test_eng.csv")).Take(6).ToArray();
        lines[4] = lines[4][..lines[4].LastIndexOf(',', lines[4].LastIndexOf(',') - 1)] + ",maybe,0";
        var path = Path.Combine(_folder, "bad-label.csv");
        File.WriteAllLines(path, lines);
        var e = Assert.Throws<IngestFormatException>(() => RiskBenchmark.ReadTest(path, CsvMapping.Load(Mapping)));
        Assert.Contains("bad-label.csv", e.Message, StringComparison.Ordinal);
        Assert.Equal(5, e.Error.Line);
    }

    [Fact]
    public void A_mapping_that_reads_a_label_column_as_declaration_data_is_refused_with_its_file_and_line()
    {
        var path = Path.Combine(_folder, "leaky.yaml");
        File.WriteAllText(path, """
            name: leaky
            csv:
              header: true
            fields:
              - target: declaration.mrn
                column: id
              - target: national.fraud-flag
                column: Fraud
            labels:
              fraud:
                column: Fraud
                fraud-values: ["1"]
                not-fraud-values: ["0"]
            """);
        var e = Assert.Throws<CsvMappingException>(() => CsvMapping.Load(path));
        var error = Assert.Single(e.Errors);
        Assert.Contains("leaky.yaml", error.File, StringComparison.Ordinal);
        Assert.Equal(7, error.Line);
        Assert.Contains("label column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Risk_bench_names_the_file_and_line_of_a_malformed_mapping()
    {
        var mapping = Path.Combine(_folder, "broken.yaml");
        File.WriteAllText(mapping, "name: broken\nfields:\n  - target: item.no-such-thing\n    column: x\n");
        var csv = Path.Combine(_folder, "x.csv");
        File.WriteAllText(csv, "x\n1\n");
        var (status, _, error) = await Entente.Tests.Support.Cli.Run("risk", "bench", "--train", csv, "--test", csv, "--mapping", mapping, "--seeds", "1");
        Assert.Equal(1, status);
        Assert.Contains("broken.yaml:3", error, StringComparison.Ordinal);
    }
}
