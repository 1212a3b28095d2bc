using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Entente.Ingest;
using Entente.Ingest.Csv;
using Entente.Risk.Assessment;
using Entente.Risk.Benchmark;
using Entente.Risk.Model;
using Entente.Tools.Generation;

namespace Entente.Cli.Risk;

/// <summary>`entente risk train` and `entente risk bench`: the learned model and the targeting benchmark.</summary>
internal static class RiskModelCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Adds train and bench to the `risk` command group.</summary>
    public static Command AddTo(Command risk)
    {
        risk.Add(Train());
        risk.Add(Bench());
        return risk;
    }

    private static (Option<string> Trainer, Option<int> Trees, Option<int> Leaves, Option<double> LearningRate, Option<int> Threads) BoostingOptions()
    {
        var defaults = new BoostingOptions();
        return (
            new Option<string>("--trainer") { Description = "lightgbm or fasttree (ML.NET)", DefaultValueFactory = _ => defaults.Trainer },
            new Option<int>("--trees") { Description = "Boosting rounds", DefaultValueFactory = _ => defaults.Trees },
            new Option<int>("--leaves") { Description = "Leaves per tree", DefaultValueFactory = _ => defaults.Leaves },
            new Option<double>("--learning-rate") { Description = "Shrinkage per tree", DefaultValueFactory = _ => defaults.LearningRate },
            new Option<int>("--threads") { Description = "Training threads", DefaultValueFactory = _ => defaults.Threads });
    }

    private static BoostingOptions Boosting(ParseResult parse, (Option<string> Trainer, Option<int> Trees, Option<int> Leaves, Option<double> LearningRate, Option<int> Threads) o)
    {
        var trainer = parse.GetValue(o.Trainer) ?? "lightgbm";
        if (trainer is not ("lightgbm" or "fasttree")) throw new CliException($"--trainer {trainer}: expected lightgbm or fasttree");
        var trees = parse.GetValue(o.Trees);
        var leaves = parse.GetValue(o.Leaves);
        var rate = parse.GetValue(o.LearningRate);
        if (trees < 1) throw new CliException($"--trees {trees}: expected at least 1");
        if (leaves < 2) throw new CliException($"--leaves {leaves}: expected at least 2");
        if (rate is <= 0 or > 1) throw new CliException($"--learning-rate {rate}: expected a number in (0, 1]");
        var threads = parse.GetValue(o.Threads);
        if (threads < 1) throw new CliException($"--threads {threads}: expected at least 1");
        return new BoostingOptions { Trainer = trainer, Trees = trees, Leaves = leaves, LearningRate = rate, Threads = threads };
    }

    private static CsvMapping LoadMapping(string path)
    {
        try
        {
            return CsvMapping.Load(path);
        }
        catch (CsvMappingException e)
        {
            throw CliException.Refused(string.Join(Environment.NewLine, e.Errors.Select(x => x.ToString())));
        }
        catch (FileNotFoundException)
        {
            throw new CliException($"{path}: no such mapping file");
        }
    }

    private static Command Train()
    {
        var from = new Option<string?>("--from") { Description = "A labelled declarations CSV to train on (default: the node's stored declarations with inspection labels)" };
        var mapping = new Option<string?>("--mapping") { Description = "The YAML mapping of --from and --valid (its labels: section names the fraud columns)" };
        var valid = new Option<string?>("--valid") { Description = "A labelled CSV to validate on (default: the latest 20 % of the training rows by date)" };
        var generated = new Option<int?>("--generated") { Description = "Train on N declarations from Entente's generator (a demonstration without national data)" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Promote even when validation precision@5% is below the model in service" };
        var noPromote = new Option<bool>("--no-promote") { Description = "Save the version without putting it into service" };
        var boosting = BoostingOptions();
        var train = new NodeCommand("train", "Train a model version on labelled declarations, validate it on later ones, save it under HOME/risk/models/<version>/ and promote it if it is no worse than the one in service", json: true)
        {
            from, mapping, valid, generated, seed, force, noPromote, boosting.Trainer, boosting.Trees, boosting.Leaves, boosting.LearningRate, boosting.Threads,
        };
        train.SetNodeAction(async (parse, services, ct) =>
        {
            var node = services.Node;
            var options = Boosting(parse, boosting);
            var output = parse.InvocationConfiguration.Output;
            TrainingSet training;
            TrainingSet? validation = null;
            try
            {
                if (parse.GetValue(generated) is { } count)
                {
                    if (count < 100) throw new CliException($"--generated {count}: expected at least 100");
                    training = new TrainingSet();
                    training.Sources.Add($"generator seed {parse.GetValue(seed)}, {count} declarations");
                    foreach (var record in new DeclarationGenerator(parse.GetValue(seed)).Generate(count)) training.Add(record.Declaration!, record.Labels!);
                }
                else if (parse.GetValue(from) is { } file)
                {
                    var map = LoadMapping(parse.GetValue(mapping) ?? throw new CliException("--from needs --mapping FILE (the YAML mapping naming the label columns)"));
                    training = TrainingSet.FromCsv(file, map, ct);
                    if (parse.GetValue(valid) is { } v) validation = TrainingSet.FromCsv(v, map, ct);
                }
                else
                {
                    training = await FromStoreAsync(services.Get<RiskDesk>().Store, ct);
                }
            }
            catch (IngestFormatException e)
            {
                throw CliException.Refused(e.Message);
            }
            if (training.Count < 20) throw CliException.Refused($"{training.Count} labelled declarations to train on: at least 20 are needed (ingest a file whose mapping has labels:, or use --from)");
            var now = services.Get<TimeProvider>().GetUtcNow();
            var model = RiskModelTrainer.Train(training, validation, options, parse.GetValue(seed), now);
            model = ModelRegistry.Save(node.Home, model, out var folder);
            var (promote, reason, ledgerIndex) = parse.GetValue(noPromote)
                ? (false, "--no-promote", (long?)null)
                : await services.Get<PromoteModel>().HandleAsync(new PromoteModelInput(model.Card, parse.GetValue(force), Environment.UserName), ct) switch
                {
                    PromoteModelResult.Promoted promoted => (true, promoted.Reason, promoted.LedgerIndex),
                    PromoteModelResult.Refused refused => (false, refused.Reason, (long?)null),
                    var other => throw new InvalidOperationException($"unexpected {other}"),
                };
            if (train.Json(parse))
            {
                output.WriteLine(JsonSerializer.Serialize(new { version = model.Version, folder, promoted = promote, ledgerIndex, reason, card = model.Card }, Json));
            }
            else
            {
                var card = model.Card;
                output.WriteLine($"Model {card.Version} ({card.Trainer}, {card.Hyperparameters.Trees} trees) trained on {card.Training.Rows:N0} declarations in {card.TrainingSeconds:0.0} s, base rate {card.Training.BaseRate:P1}");
                if (card.Validation is { } report)
                {
                    output.WriteLine($"  validation on {report.Source} ({report.Data.Rows:N0} rows, base rate {report.Data.BaseRate:P1}): AUC {report.Auc:0.000}");
                    output.WriteLine("  " + string.Join("  ", report.AtRates.Select(m => $"precision@{m.RatePercent}% {m.Precision:0.000}")));
                }
                output.WriteLine($"  top features: {string.Join(", ", card.Features.Take(5).Select(f => $"{f.Name} {f.Importance:P0}"))}");
                output.WriteLine($"  saved in {folder}");
                output.WriteLine(promote ? $"  in service: {reason} (ledger entry {ledgerIndex})" : $"  NOT promoted: {reason}");
            }
            return promote || parse.GetValue(noPromote) ? 0 : ExitCodes.Refused;
        });
        return train;
    }

    private static async Task<TrainingSet> FromStoreAsync(RiskStore risk, CancellationToken ct)
    {
        var set = new TrainingSet();
        set.Sources.Add("node store: declarations with inspection labels (labelled extracts and officers' outcomes)");
        await foreach (var (declaration, labels) in risk.LabelledAsync(ct)) set.Add(declaration, labels);
        return set;
    }

    private static Command Bench()
    {
        var train = new Option<string>("--train") { Description = "Labelled training CSV", Required = true };
        var valid = new Option<string?>("--valid") { Description = "Labelled validation CSV, added to the training rows" };
        var test = new Option<string>("--test") { Description = "Test CSV: its labels are removed before any selector sees the rows", Required = true };
        var mapping = new Option<string>("--mapping") { Description = "YAML mapping of the three files; its labels: section names the fraud, critical and revenue columns", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Training runs with seeds 1..N (mean ± sd)", DefaultValueFactory = _ => 5 };
        var rates = new Option<string>("--rates") { Description = "Selection rates in percent", DefaultValueFactory = _ => "1,2,5,10" };
        var scoresOut = new Option<string?>("--scores-out") { Description = "Write every test row's model score per seed to this CSV" };
        var boosting = BoostingOptions();
        var json = CommonOptions.Json();
        var network = new Option<bool>("--network") { Description = "Also train with network proximity to past seizures (docs/networks.md) and report it beside the model without it" };
        var bench = new Command("bench", "The targeting benchmark: train on --train (+ --valid), score --test without its labels, report precision/recall/revenue/critical precision at the top n % and AUC beside reference selectors and the published results")
        {
            train, valid, test, mapping, seeds, rates, scoresOut, boosting.Trainer, boosting.Trees, boosting.Leaves, boosting.LearningRate, boosting.Threads, json, network,
        };
        bench.SetAction(parse =>
        {
            var rateList = new List<double>();
            foreach (var part in (parse.GetValue(rates) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r <= 0 || r > 100)
                    throw new CliException($"--rates: '{part}' is not a percentage in (0, 100]");
                rateList.Add(r);
            }
            if (rateList.Count == 0) throw new CliException("--rates: expected at least one percentage, e.g. 1,2,5,10");
            foreach (var file in new[] { parse.GetValue(train), parse.GetValue(valid), parse.GetValue(test), parse.GetValue(mapping) })
            {
                if (file is not null && !File.Exists(file)) throw new CliException($"{file}: no such file");
            }
            var options = new BenchmarkOptions
            {
                Train = parse.GetValue(train)!,
                Valid = parse.GetValue(valid),
                Test = parse.GetValue(test)!,
                Mapping = parse.GetValue(mapping)!,
                Seeds = parse.GetValue(seeds),
                Rates = rateList,
                ScoresOut = parse.GetValue(scoresOut),
                Boosting = Boosting(parse, boosting),
                Network = parse.GetValue(network) ? Entente.Intelligence.Networks.NetworkFeature.Add : null,
            };
            if (options.Seeds < 1) throw new CliException($"--seeds {options.Seeds}: expected at least 1");
            var output = parse.InvocationConfiguration.Output;
            var asJson = parse.GetValue(json);
            BenchmarkResult result;
            try
            {
                LoadMapping(options.Mapping);
                result = RiskBenchmark.Run(options, asJson ? null : output.WriteLine);
            }
            catch (IngestFormatException e)
            {
                throw CliException.Refused(e.Message);
            }
            catch (CsvMappingException e)
            {
                throw CliException.Refused(string.Join(Environment.NewLine, e.Errors.Select(x => x.ToString())));
            }
            output.WriteLine(asJson ? JsonSerializer.Serialize(result, Json) : RiskBenchmark.Format(result));
            return 0;
        });
        return bench;
    }
}
