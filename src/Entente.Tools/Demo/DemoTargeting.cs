using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Entente.Hosting;
using Entente.Ingest.Csv;
using Entente.Risk.Assessment;
using Entente.Risk.Rules;
using Entente.Storage;

namespace Entente.Tools.Demo;

/// <summary>Step 10 of the demo: KR targets its declarations with a signed rule set and a model trained on its own history,
/// officers inspect the red lane, and the hit rates come back.</summary>
internal static class DemoTargeting
{
    private const string Rules = """
        ruleset "kr-import-targeting" version 1

        list watched-origins of countries = CN, VN, TH

        rule very-cheap "goods declared far below any usual unit value":
          if same item (value-per-kg < 50 and net-mass > 100)
          then score 40
          because "a unit value under 50 per kg on a consignment over 100 kg"

        rule watched-origin-high-duty "high duty on goods from watched origins":
          if origin in list watched-origins and duty-rate >= 8
          then score 15

        test "a very cheap heavy consignment scores":
          given hs "6907221000", origin CN, value 1000, net-mass 5000
          expect fires very-cheap, not fires watched-origin-high-duty
        """;

    public static async Task RunAsync(DemoNode kr, string data, string koreanDataSet, TextWriter output, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var folder = Path.Combine(Path.GetDirectoryName(kr.Home)!, "kr-rules");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "kr.rules"), Rules, ct);
        await kr.Cli.RunAsync(ct, "risk", "rules", "activate", "--home", kr.Home, folder);

        var korean = Path.Combine(data, koreanDataSet);
        var (train, valid, test) = (Path.Combine(korean, "df_syn_train_eng.csv"), Path.Combine(korean, "df_syn_valid_eng.csv"), Path.Combine(korean, "df_syn_test_eng.csv"));
        var mappingPath = Path.Combine(AppContext.BaseDirectory, "mappings", "kcs-synthetic-hs6.yaml");
        var withKcs = File.Exists(train) && File.Exists(valid) && File.Exists(test);
        string[] source = withKcs ? ["--from", train, "--valid", valid, "--mapping", mappingPath] : ["--generated", "3000"];
        var trained = JsonNode.Parse(await kr.Cli.RunAsync(ct, ["risk", "train", "--home", kr.Home, .. source, "--trees", "150", "--threads", "1", "--json"]))!;
        var card = trained["card"]!;
        var precision = card["validation"]?["atRates"]?.AsArray().FirstOrDefault(m => m!["ratePercent"]!.GetValue<int>() == 5)?["precision"]?.GetValue<double>();
        output.WriteLine($"11. KR puts targeting into service: rule set kr-import-targeting 1 (its own test case passed, signed with KR's key, ledgered) " +
            $"and model {trained["version"]} trained on {(withKcs ? "its 2020 inspection history (KCS train file; validated on 2021 Q1)" : "generated history")} " +
            $"({card["training"]!["rows"]!.GetValue<int>():N0} declarations, {(precision is { } p ? $"validation precision@5 % {p:0.000}" : "no validation")}).");

        // The declarations of the latest quarter, as stored at KR, assessed with the desk the server uses.
        await using var services = await NodeServices.OpenAsync(kr.Options, cancellationToken: ct);
        var store = services.Get<IDeclarationStore>();
        var desk = services.Get<RiskDesk>();
        var ids = new List<string>();
        if (withKcs)
        {
            await using var file = File.OpenRead(test);
            foreach (var record in new CsvReader(CsvMapping.Load(mappingPath)).Read(file, Path.GetFileName(test), ct))
            {
                if (record.Declaration?.Mrn is { } mrn && await store.FindAsync(mrn, ct) is { } stored) ids.Add(stored.Declaration.Id!);
                if (ids.Count == 1_000) break;
            }
        }
        else
        {
            ids.AddRange(await desk.Store.PendingAsync(1_000, ct));
        }
        var assessed = (await desk.AssessAsync(ids, ct)).OfType<Assessed>().ToList();
        var lanes = Enum.GetValues<Lane>().Reverse().Select(l => $"{RiskEngine.Name(l)} {assessed.Count(a => a.Assessment.Lane == l)}");
        output.WriteLine($"    {assessed.Count:N0} declarations of {(withKcs ? "2021 Q2" : "the generated set")} assessed in {watch.Elapsed.TotalSeconds:0.0} s so far: {string.Join(", ", lanes)} " +
            $"({assessed.Count(a => a.Assessment.RandomlySelected)} selected at random). The highest score, with its reasons:");
        var top = assessed.MaxBy(a => a.Assessment.Score)!.Assessment;
        output.WriteLine($"      {RiskEngine.Name(top.Lane).ToUpperInvariant()} score {top.Score.ToString("0.#", CultureInfo.InvariantCulture)}, rules {top.RuleSet}, model {top.Model}:");
        foreach (var reason in top.Reasons.Take(4)) output.WriteLine($"        - {reason.Source}: {reason.Text}");

        // Officers inspect the red lane; what they find is what the history says (the labels KR already holds).
        var red = assessed.Where(a => a.Assessment.Lane == Lane.Red).ToList();
        var inspectedFraud = 0;
        foreach (var (stored, assessment) in red)
        {
            var labels = stored.Labels;
            var found = labels?.Fraud ?? false;
            if (found) inspectedFraud++;
            await desk.Store.RecordOutcomeAsync(new InspectionOutcome(assessment.DeclarationId!, found, labels?.CriticalFraud == 2, found ? "undervaluation" : null, labels?.RevenueRecovered),
                "kr-officer", TimeProvider.System.GetUtcNow(), ct);
        }
        var hitRate = red.Count == 0 ? "-" : ((double)inspectedFraud / red.Count).ToString("P0", CultureInfo.InvariantCulture);
        var baseRate = (double)assessed.Count(a => a.Stored.Labels?.Fraud == true) / Math.Max(1, assessed.Count);
        output.WriteLine($"    Officers inspect the {red.Count} red declarations and record what they find: {inspectedFraud} frauds, a hit rate of " +
            $"{hitRate} against {baseRate.ToString("P0", CultureInfo.InvariantCulture)} " +
            "for the quarter as a whole; the findings become training labels (`risk report` has them per lane, rule and model).");
    }
}
