using System.Diagnostics;
using System.Globalization;
using Entente.Declarations;
using Entente.Ingest.Csv;
using Entente.Risk.Assessment;
using Entente.Risk.Model;
using Entente.Risk.Rules;
using Entente.Tools.Generation;

namespace Entente.Bench;

/// <summary>
/// The whole assessment as a node runs it on every declaration: 500 generated rules, the learned model with its
/// explanation and the lane policy (RiskEngine.Assess), on one and two threads: declarations/s, latency per
/// declaration, and how the time splits between the rules and the model. The model trains on the KCS HS10
/// training file and the declarations come from its test file (through the mapping), else from the generator.
/// </summary>
internal static class RiskAssessBenchmark
{
    public static int Run(string[] args)
    {
        var ruleCount = 500;
        var declarations = 200_000;
        var scores = 100_000;
        var options = new BoostingOptions { Threads = 1 };
        string? modelDir = null;
        string? saveDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rules": ruleCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--declarations": declarations = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scores": scores = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--trees": options = options with { Trees = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--learning-rate": options = options with { LearningRate = double.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--threads": options = options with { Threads = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--model": modelDir = args[++i]; break;
                case "--save-model": saveDir = args[++i]; break;
                default:
                    Console.Error.WriteLine($"entente bench risk-assess: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine($"# entente bench risk-assess --rules {ruleCount} --declarations {declarations} --scores {scores}{(modelDir is null ? $" --trees {options.Trees} --learning-rate {options.LearningRate}" : $" --model {modelDir}")}");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average at start {LoadAverage()}");

        var (source, training, sample) = Source();
        Console.WriteLine($"source: {source}; {sample.Length:N0} declarations to assess, cycled to {declarations:N0}");

        RiskModel model;
        if (modelDir is not null)
        {
            model = RiskModel.Load(modelDir);
            Console.WriteLine($"model: loaded from {modelDir} ({model.Ensemble.Trees} trees)");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            model = RiskModelTrainer.Train(training, null, options, seed: 1, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), refit: false);
            Console.WriteLine($"model: trained on {training.Count:N0} rows in {clock.Elapsed.TotalSeconds:0.0} s ({options.Trainer}, {options.Trees} trees, learning rate {options.LearningRate}); validation precision@5% {model.Card.Validation!.PrecisionAt(5):0.000}");
        }
        if (saveDir is not null)
        {
            model.Save(saveDir);
            Console.WriteLine($"model saved to {saveDir}");
        }

        var partners = new PartnerIndicators[sample.Length];
        for (var i = 0; i < sample.Length; i++)
        {
            // One declaration in 50 comes with a partner's result about its consignment.
            partners[i] = i % 50 == 0 ? new PartnerIndicators([new PartnerIndication("NL", i % 100 == 0 ? Lane.Red : Lane.Yellow, "consignment")]) : PartnerIndicators.None;
        }
        var rules = RuleSetCompiler.Compile(RiskRulesBench.Rules(ruleCount, sample), "bench.rules");
        Console.WriteLine($"rule set: {rules.RuleCount} rules ({rules.IndexedRules} indexed); lane policy: defaults (model weight 100, random 1 %)");
        var policy = new LanePolicy();
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        // The model alone, then the parts on one thread.
        var warm = Math.Min(20_000, scores);
        Time(sample, warm, d => model.Probability(d));
        Time(sample, warm, d => model.Score(d).Probability);
        var probability = Time(sample, scores, d => model.Probability(d));
        var explained = Time(sample, scores, d => model.Score(d).Probability);
        var untold = Time(sample, scores, d => model.Score(d, reasons: 0).Probability);
        var facts = sample.Select(RiskFacts.Of).ToArray();
        var vectors = facts.Select(f =>
        {
            var x = new float[model.Features.Count];
            model.Features.Extract(f, x);
            return x;
        }).ToArray();
        var factsTime = Time(sample, scores, d => RiskFacts.Of(d).Items);
        var scratch = new float[model.Features.Count];
        var featureTime = Time(sample, scores, (_, i) =>
        {
            model.Features.Extract(facts[i], scratch);
            return scratch[0];
        });
        var treeTime = Time(sample, scores, (_, i) => model.Ensemble.Raw(vectors[i]));
        var contributions = new double[model.Features.Count];
        var contributionTime = Time(sample, scores, (_, i) =>
        {
            Array.Clear(contributions);
            return model.Ensemble.Contributions(vectors[i], contributions);
        });
        var ruleTime = Time(sample, scores, (d, i) => rules.Evaluate(d, partners[i]).Score);
        var assessTime = Time(sample, scores, (d, i) => RiskEngine.Assess(d, rules, model, partners[i], policy, LaneLoad.None, now).Score);
        Console.WriteLine();
        Console.WriteLine($"model, probability only, 1 thread       {probability,8:0.00} µs per declaration ({1e6 / probability:N0}/s)");
        Console.WriteLine($"model, probability + 3 reasons          {explained,8:0.00} µs per declaration ({1e6 / explained:N0}/s)");
        Console.WriteLine($"  of which the 3 reasons' text            {explained - untold,8:0.00} µs (contributions without text: {untold:0.00} µs)");
        Console.WriteLine($"  probability: facts {factsTime:0.00} µs, feature vector {featureTime:0.00} µs, {model.Ensemble.Trees} trees {treeTime:0.00} µs, the trees with contributions {contributionTime:0.00} µs");
        Console.WriteLine($"rules alone (500, with reasons)         {ruleTime,8:0.00} µs per declaration");
        Console.WriteLine($"whole assessment                        {assessTime,8:0.00} µs per declaration: rules {ruleTime / assessTime:P0}, model {explained / assessTime:P0}, lane policy and reasons {Math.Max(0, assessTime - ruleTime - explained) / assessTime:P0}");

        Console.WriteLine();
        Console.WriteLine("threads  declarations      decl/s   p50 µs   p99 µs     max µs   red    yellow   blue");
        foreach (var threads in new[] { 1, 2 })
        {
            var r = Measure(sample, partners, rules, model, policy, now, declarations, threads);
            Console.WriteLine($"{threads,7}  {declarations,12:N0}  {r.PerSecond,10:N0}  {r.P50,7:0.0}  {r.P99,7:0.0}  {r.Max,9:N0}  {r.Red,5:P1}  {r.Yellow,6:P1}  {r.Blue,5:P1}");
        }
        Console.WriteLine($"# load average at end {LoadAverage()}");
        return 0;
    }

    private static double Time(Declaration[] sample, int count, Func<Declaration, double> work) => Time(sample, count, (d, _) => work(d));

    private static double Time(Declaration[] sample, int count, Func<Declaration, int, double> work)
    {
        var clock = Stopwatch.StartNew();
        var sink = 0.0;
        for (var i = 0; i < count; i++) sink += work(sample[i % sample.Length], i % sample.Length);
        GC.KeepAlive(sink);
        return clock.Elapsed.TotalSeconds * 1e6 / count;
    }

    private sealed record Result(double PerSecond, double P50, double P99, double Max, double Red, double Yellow, double Blue);

    private static Result Measure(Declaration[] sample, PartnerIndicators[] partners, RuleSet rules, RiskModel model, LanePolicy policy, DateTimeOffset now, int count, int threads)
    {
        var latencies = new long[count];
        var lanes = new long[threads, 4];
        var per = count / threads;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var from = t * per;
            var to = t == threads - 1 ? count : from + per;
            for (var i = from; i < to; i++)
            {
                var k = i % sample.Length;
                var start = Stopwatch.GetTimestamp();
                var assessment = RiskEngine.Assess(sample[k], rules, model, partners[k], policy, LaneLoad.None, now);
                latencies[i] = Stopwatch.GetTimestamp() - start;
                lanes[t, (int)assessment.Lane]++;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double Micro(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
        double Share(Lane lane) => Enumerable.Range(0, threads).Sum(t => lanes[t, (int)lane]) / (double)count;
        return new Result(count / elapsed, Micro(latencies[count / 2]), Micro(latencies[(int)(count * 0.99)]), Micro(latencies[^1]),
            Share(Lane.Red), Share(Lane.Yellow), Share(Lane.Blue));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "(unknown)";

    private static (string Source, TrainingSet Training, Declaration[] Sample) Source()
    {
        var data = Environment.GetEnvironmentVariable("ENTENTE_DATA") ?? Path.Combine("..", "shared", "data");
        var folder = Path.Combine(data, "customs-import-declarations", "v2022-06-hs10");
        var mappingFile = Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs10.yaml");
        var train = Path.Combine(folder, "df_syn_train_eng.csv");
        var test = Path.Combine(folder, "df_syn_test_eng.csv");
        if (File.Exists(train) && File.Exists(test) && File.Exists(mappingFile))
        {
            var mapping = CsvMapping.Load(mappingFile);
            var training = TrainingSet.FromCsv(train, mapping);
            var sample = new List<Declaration>();
            using var stream = File.OpenRead(test);
            foreach (var record in new CsvReader(mapping).Read(stream, test))
            {
                if (record.Declaration is not null) sample.Add(record.Declaration);
            }
            return ("KCS v2022-06-hs10: model trained on df_syn_train_eng.csv, declarations from df_syn_test_eng.csv (labels not read)", training, [.. sample]);
        }
        var set = new TrainingSet();
        set.Sources.Add("generator");
        foreach (var record in new DeclarationGenerator(1).Generate(40_000)) set.Add(record.Declaration!, record.Labels!);
        var generated = new DeclarationGenerator(11).Generate(20_000).Select(r => r.Declaration!).ToArray();
        return ("Entente's generator (the KCS data set is absent): model trained on 40,000 generated rows (seed 1), 20,000 declarations assessed (seed 11)", set, generated);
    }
}
