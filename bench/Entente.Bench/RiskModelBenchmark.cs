using System.Diagnostics;
using System.Globalization;
using Entente.Declarations;
using Entente.Ingest.Csv;
using Entente.Risk.Model;
using Entente.Tools.Generation;

namespace Entente.Bench;

/// <summary>
/// The learned model's costs: training time on N rows (resampled from the KCS training file, else the generator)
/// and scoring time per declaration, probability only and with the explanation, on one thread and on all cores.
/// </summary>
internal static class RiskModelBenchmark
{
    public static int Run(string[] args)
    {
        var rows = 1_000_000;
        var scores = 200_000;
        var options = new BoostingOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scores": scores = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--trainer": options = options with { Trainer = args[++i] }; break;
                case "--trees": options = options with { Trees = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--threads": options = options with { Threads = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                default:
                    Console.Error.WriteLine($"entente bench risk-model: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench risk-model --rows {rows} --trainer {options.Trainer} --trees {options.Trees} --threads {options.Threads} on {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        var (source, declarations, labels) = Source();
        Console.WriteLine($"source: {source}, {declarations.Count:N0} labelled declarations resampled to {rows:N0} rows");
        var random = new Random(1);
        var training = new TrainingSet();
        training.Sources.Add(source);
        for (var i = 0; i < rows; i++)
        {
            var k = random.Next(declarations.Count);
            training.Add(declarations[k], labels[k]);
        }

        var clock = Stopwatch.StartNew();
        var (features, matrix) = RiskFeatures.Fit(training.Facts, training.Fraud, training.Critical, options.Smoothing, options.Folds, 1);
        var featureSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var (ensemble, _) = GradientBoosting.Train(matrix, training.Fraud, options, 1);
        var treeSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"training on {rows:N0} rows × {features.Count} features: {featureSeconds + treeSeconds:0.0} s (feature tables and out-of-fold matrix {featureSeconds:0.0} s, {options.Trainer} {options.Trees} trees and compilation {treeSeconds:0.0} s)");
        matrix = null;
        GC.Collect();

        var model = new RiskModel(features, ensemble, new ModelCard
        {
            Version = "bench",
            CreatedAt = default,
            Trainer = options.Trainer,
            Hyperparameters = options,
            Seed = 1,
            Training = training.Summary(),
            Features = [],
        });
        var sample = Enumerable.Range(0, Math.Min(scores, 100_000)).Select(_ => declarations[random.Next(declarations.Count)]).ToArray();
        Measure("probability, 1 thread", sample, scores, d => model.Probability(d), parallel: false);
        Measure("probability + 3 reasons, 1 thread", sample, scores, d => model.Score(d).Probability, parallel: false);
        Measure($"probability, {Environment.ProcessorCount} threads", sample, scores, d => model.Probability(d), parallel: true);
        return 0;
    }

    private static void Measure(string name, Declaration[] sample, int count, Func<Declaration, double> score, bool parallel)
    {
        for (var i = 0; i < Math.Min(20_000, count); i++) score(sample[i % sample.Length]);
        var clock = Stopwatch.StartNew();
        if (parallel)
        {
            Parallel.For(0, count, i => score(sample[i % sample.Length]));
        }
        else
        {
            for (var i = 0; i < count; i++) score(sample[i % sample.Length]);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{name,-40} {count / seconds,12:N0} declarations/s   {seconds * 1e6 / count,8:0.00} µs each");
    }

    private static (string Source, List<Declaration> Declarations, List<Entente.Declarations.InspectionLabels> Labels) Source()
    {
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.Combine("..", "shared", "data");
        var file = Path.Combine(data, "customs-import-declarations", "v2022-06-hs10", "df_syn_train_eng.csv");
        var mappingFile = Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs10.yaml");
        var declarations = new List<Declaration>();
        var labels = new List<Entente.Declarations.InspectionLabels>();
        if (File.Exists(file) && File.Exists(mappingFile))
        {
            using var stream = File.OpenRead(file);
            foreach (var record in new CsvReader(CsvMapping.Load(mappingFile)).Read(stream, file))
            {
                if (record.Declaration is null || record.Labels is null) continue;
                declarations.Add(record.Declaration);
                labels.Add(record.Labels);
            }
            return ("KCS v2022-06-hs10 training file", declarations, labels);
        }
        foreach (var record in new DeclarationGenerator(1).Generate(50_000))
        {
            declarations.Add(record.Declaration!);
            labels.Add(record.Labels!);
        }
        return ("Entente's generator (KCS data set absent)", declarations, labels);
    }
}
